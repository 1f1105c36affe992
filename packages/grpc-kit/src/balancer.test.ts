import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Code } from '@connectrpc/connect';
import { RatesService } from '@billing/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { connectToService } from './client.ts';
import { createClient } from '@connectrpc/connect';
import { createGrpcServer, serve, type GrpcServer } from './server.ts';
import { failureOf } from './testing/connect-error.ts';
import { recordingLogger } from './testing/recording-logger.ts';

// Two real gRPC servers on loopback, each answering with its own name as the rate's base and the
// `:authority` it was called with as the quote; a real client spreads its calls over them.

const closers: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function replica(name: string, host = '127.0.0.1', port = 0): Promise<GrpcServer> {
  const server = await createGrpcServer({
    services: [serve(RatesService, {
      getRate: (_request, context) => ({ rate: { base: name, quote: new URL(context.url).host } }),
      listRates: () => ({}),
    })],
    logger: recordingLogger(),
    port,
    host,
  });
  let closed = false;
  closers.push(() => (closed ? undefined : server.close()));
  return { ...server, close: async () => { closed = true; await server.close(); } };
}

function client(target: string, options: Parameters<typeof connectToService>[1] = {}) {
  const connection = connectToService(target, { name: 'rates-service', timeoutMs: 2_000, ...options });
  closers.push(() => connection.close());
  return createClient(RatesService, connection.transport);
}

async function answeredBy(rates: ReturnType<typeof client>, calls: number): Promise<string[]> {
  const names: string[] = [];
  for (let call = 0; call < calls; call++) names.push((await rates.getRate({ base: 'USD', quote: 'GEL' })).rate?.base ?? '');
  return names;
}

const count = (names: string[], name: string) => names.filter((answered) => answered === name).length;

describe('a client of a service with several replicas', () => {
  it('sends each call of one connection to the next address of a comma-separated list', async () => {
    const [a, b] = [await replica('a'), await replica('b')];
    const rates = client(`http://127.0.0.1:${a.port}, http://127.0.0.1:${b.port}`);
    const names = await answeredBy(rates, 10);
    expect(count(names, 'a')).toBe(5);
    expect(count(names, 'b')).toBe(5);
    // Turn by turn, not in runs: every call picks its backend.
    for (let call = 1; call < names.length; call++) expect(names[call]).not.toBe(names[call - 1]);
  });

  it('spreads calls over every address a host name resolves to, keeping the name as the authority', async () => {
    // A headless Service's name: one port, one address per replica (127.0.0.2 is loopback too).
    const a = await replica('a', '127.0.0.1');
    await replica('b', '127.0.0.2', a.port);
    const resolved: string[] = [];
    const rates = client(`http://rates.replicas.test:${a.port}`, {
      resolve: async (host) => {
        resolved.push(host);
        return ['127.0.0.1', '127.0.0.2'];
      },
    });
    // The first resolution runs as the connection is made; wait for it.
    await new Promise((resolve) => setTimeout(resolve, 10));
    const answers = [];
    for (let call = 0; call < 6; call++) answers.push((await rates.getRate({ base: 'USD', quote: 'GEL' })).rate);
    expect(resolved[0]).toBe('rates.replicas.test');
    expect(count(answers.map((rate) => rate?.base ?? ''), 'a')).toBe(3);
    expect(count(answers.map((rate) => rate?.base ?? ''), 'b')).toBe(3);
    expect(new Set(answers.map((rate) => rate?.quote))).toEqual(new Set([`rates.replicas.test:${a.port}`]));
  });

  it('skips a replica that is down without failing a call, and uses it again once it is back', async () => {
    const a = await replica('a');
    const b = await replica('b');
    const port = b.port;
    const rates = client(`http://127.0.0.1:${a.port},http://127.0.0.1:${port}`, { ejectMs: 300 });
    expect(count(await answeredBy(rates, 4), 'b')).toBe(2);
    await b.close();
    // Refused connections never carried the call: each one goes to the other replica.
    expect(await answeredBy(rates, 6)).toEqual(['a', 'a', 'a', 'a', 'a', 'a']);
    await replica('b', '127.0.0.1', port);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(count(await answeredBy(rates, 6), 'b')).toBe(3);
  });

  it('fails a call the killed replica held as unavailable, and sends the next calls to the others', async () => {
    const a = await replica('a');
    // A separate process that holds every call, killed with SIGKILL as in a crash.
    const child = spawn(process.execPath, ['-e', `
      const server = require('node:http2').createServer();
      server.on('stream', () => process.stdout.write('holding\\n'));
      server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    closers.push(() => void child.kill('SIGKILL'));
    const [port] = (await once(child.stdout, 'data')) as [Buffer];
    const rates = client(`http://127.0.0.1:${port.toString().trim()},http://127.0.0.1:${a.port}`);
    const held = failureOf(rates.getRate({ base: 'USD', quote: 'GEL' }));
    await once(child.stdout, 'data');
    child.kill('SIGKILL');
    const error = await held;
    expect(error.code).toBe(Code.Unavailable);
    expect(error.rawMessage).toBe('rates-service is unavailable');
    expect(await answeredBy(rates, 4)).toEqual(['a', 'a', 'a', 'a']);
  });

  it('keeps a single address working as one backend', async () => {
    const a = await replica('a');
    expect(await answeredBy(client(`http://127.0.0.1:${a.port}`), 3)).toEqual(['a', 'a', 'a']);
  });
});
