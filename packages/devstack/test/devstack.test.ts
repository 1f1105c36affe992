import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES, startPostgres, startTemporal } from '../src/index.ts';
import { isListening } from '../src/ports.ts';

describe('devstack', () => {
  it('starts a real PostgreSQL with the billing database and leaves nothing listening after stop', async () => {
    const postgres = await startPostgres({ temporary: true });
    const port = Number(new URL(postgres.url).port);
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    const { rows } = await client.query('SELECT current_database() AS db');
    await client.end();
    expect(rows[0].db).toBe('billing');
    await postgres.stop();
    expect(await isListening(port)).toBe(false);
  });

  it('starts a Temporal dev server with the search attributes registered and its metrics served, and stops it', async () => {
    const temporal = await startTemporal();
    const port = Number(temporal.address.split(':')[1]);
    const metricsPort = Number(new URL(temporal.metricsUrl).port);
    const connection = await Connection.connect({ address: temporal.address });
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: temporal.namespace });
      expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(Object.keys(SEARCH_ATTRIBUTES)));
      // The call above went through the frontend, which counts it in the server's own metrics
      // (published by the server's reporter a moment later).
      const counted = /^service_requests\{[^}]*operation="[A-Za-z]*ListSearchAttributes"[^}]*service_name="frontend"/m;
      let metrics = '';
      for (const deadline = Date.now() + 10_000; !counted.test(metrics) && Date.now() < deadline;) {
        metrics = await (await fetch(temporal.metricsUrl)).text();
        if (!counted.test(metrics)) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(metrics).toMatch(counted);
    } finally {
      await connection.close();
    }
    await temporal.stop();
    expect(await isListening(port)).toBe(false);
    expect(await isListening(metricsPort)).toBe(false);
  });
});
