import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresHandle } from '@billing/devstack';
import { createLogger } from '@billing/runtime';
import { createDb, listenToChannels, type ChannelListener, type Db } from './index.ts';

// The LISTEN helper against a real PostgreSQL: its connection is killed from the server side
// (pg_terminate_backend, as a failover or an operator would) and it must listen again by itself.

let postgres: PostgresHandle;
let db: Db;
const logger = createLogger('listener-test', 'silent');

beforeAll(async () => {
  postgres = await startPostgres({ temporary: true });
  db = createDb({ url: postgres.url, poolMax: 2 });
});
afterAll(async () => {
  await db?.destroy();
  await postgres?.stop();
});

/** Resolves when `check` holds, polling every 20 ms; fails after `ms`. */
async function eventually(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('the condition never held');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const notify = (channel: string, payload: string) => db.raw('SELECT pg_notify(?, ?)', [channel, payload]);

/** The server process ids of the connections named `name`. */
async function backends(name: string): Promise<number[]> {
  const { rows } = await db.raw('SELECT pid FROM pg_stat_activity WHERE application_name = ?', [name]) as { rows: Array<{ pid: number }> };
  return rows.map((row) => row.pid);
}

describe('listenToChannels', () => {
  it('hands over notifications of every channel it listens on, and none of another', async () => {
    const heard: Array<[string, string]> = [];
    const listener = listenToChannels({
      url: postgres.url, channels: ['alpha', 'Beta channel'], name: 'listener-channels', logger,
      onNotification: (channel, payload) => heard.push([channel, payload]),
    });
    try {
      await listener.ready();
      await notify('alpha', '1');
      await notify('gamma', 'not mine');
      await notify('Beta channel', '2');
      await eventually(() => heard.length === 2);
      expect(heard).toEqual([['alpha', '1'], ['Beta channel', '2']]);
    } finally {
      await listener.close();
    }
  });

  it('listens again after its connection is terminated, says so, and hears what is sent from then on', async () => {
    const heard: string[] = [];
    const listening: boolean[] = [];
    const listener = listenToChannels({
      url: postgres.url, channels: ['dropped'], name: 'listener-dropped', logger, reconnectDelayMs: 50,
      onNotification: (_channel, payload) => heard.push(payload),
      onListening: ({ reconnected }) => listening.push(reconnected),
    });
    try {
      await listener.ready();
      expect(listening).toEqual([false]);
      const before = await backends('listener-dropped');
      expect(before).toHaveLength(1);
      const first = before[0]!;
      await notify('dropped', 'before');
      await eventually(() => heard.includes('before'));

      await db.raw('SELECT pg_terminate_backend(?)', [first]);
      await eventually(() => listening.length === 2);
      expect(listening).toEqual([false, true]);
      const after = await backends('listener-dropped');
      expect(after).toHaveLength(1);
      expect(after[0]).not.toBe(first);
      await notify('dropped', 'after');
      await eventually(() => heard.includes('after'));
      expect(heard).toEqual(['before', 'after']);
    } finally {
      await listener.close();
    }
    await eventually(async () => (await backends('listener-dropped')).length === 0);
  });

  it('keeps trying while the database refuses it, rejecting ready() meanwhile, and listens once it can', async () => {
    // A role that may not log in yet stands for a database that is not reachable yet.
    await db.raw('DROP ROLE IF EXISTS late_listener');
    await db.raw("CREATE ROLE late_listener NOLOGIN PASSWORD 'late'");
    const url = new URL(postgres.url);
    url.username = 'late_listener';
    url.password = 'late';
    const listening: boolean[] = [];
    let listener: ChannelListener | undefined;
    try {
      listener = listenToChannels({
        url: url.toString(), channels: ['late'], name: 'listener-late', logger, reconnectDelayMs: 50,
        onNotification: () => {}, onListening: ({ reconnected }) => listening.push(reconnected),
      });
      await expect(listener.ready()).rejects.toThrow(/not permitted to log in/);
      await db.raw('ALTER ROLE late_listener LOGIN');
      await eventually(async () => listener!.ready().then(() => true, () => false));
      expect(listening).toEqual([false]);
      expect(await backends('listener-late')).toHaveLength(1);
    } finally {
      await listener?.close();
      await eventually(async () => (await backends('listener-late')).length === 0);
      await db.raw('DROP ROLE IF EXISTS late_listener');
    }
  });

  it('stops for good when closed: no connection is left and none is made again', async () => {
    const listener = listenToChannels({
      url: postgres.url, channels: ['closed'], name: 'listener-closed', logger, reconnectDelayMs: 20, onNotification: () => {},
    });
    await listener.ready();
    await listener.close();
    await eventually(async () => (await backends('listener-closed')).length === 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await backends('listener-closed')).toEqual([]);
  });
});
