import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createHttp2Server, constants, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { Code, ConnectError } from '@connectrpc/connect';
import { RatesService } from '@billing/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { createGrpcClient } from './client.ts';
import { createGrpcServer, serve, type GrpcServer } from './server.ts';
import { failureOf } from './testing/connect-error.ts';
import { recordingLogger } from './testing/recording-logger.ts';

// Real upstreams on loopback that fail the way a crashed or restarting service does; a real
// client with the classifier calls each. Every failure to hear the upstream's answer must reach
// the caller as `unavailable`, never as connect-node's `aborted` or `internal`.

const closers: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function listening<T extends Server | Http2Server>(server: T): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as AddressInfo).port;
}

/** An HTTP/2 server that does `onStream` to every call instead of answering it. */
async function misbehaving(onStream: (stream: ServerHttp2Stream) => void): Promise<string> {
  const server = createHttp2Server();
  server.on('stream', (stream) => {
    // The server side sees its own resets as stream errors; they are the point here.
    stream.on('error', () => {});
    onStream(stream);
  });
  server.on('session', (session) => closers.push(() => session.destroy()));
  return `http://127.0.0.1:${await listening(server)}`;
}

async function callRates(baseUrl: string) {
  const client = createGrpcClient(RatesService, baseUrl, { name: 'rates-service', timeoutMs: 4_000 });
  return failureOf(client.getRate({ base: 'USD', quote: 'GEL' }));
}

function expectUnavailable(error: ConnectError) {
  expect(error.code).toBe(Code.Unavailable);
  expect(error.rawMessage).toBe('rates-service is unavailable');
}

describe('a client facing an upstream that fails below the gRPC layer', () => {
  it('reports a refused connection as unavailable', async () => {
    const probe = createTcpServer();
    const port = await listening(probe);
    await new Promise((resolve) => probe.close(resolve));
    expectUnavailable(await callRates(`http://127.0.0.1:${port}`));
  });

  it('reports a host that does not resolve as unavailable', async () => {
    expectUnavailable(await callRates('http://billing-upstream.invalid:50052'));
  });

  it('reports a connection reset as soon as it is accepted (ECONNRESET) as unavailable', async () => {
    const server = createTcpServer((socket) => socket.resetAndDestroy());
    expectUnavailable(await callRates(`http://127.0.0.1:${await listening(server)}`));
  });

  it('reports a stream reset mid-call (RST_STREAM INTERNAL_ERROR) as unavailable', async () => {
    const url = await misbehaving((stream) => stream.close(constants.NGHTTP2_INTERNAL_ERROR));
    expectUnavailable(await callRates(url));
  });

  it('reports a stream the server cancels (RST_STREAM CANCEL) as unavailable, since our caller did not cancel', async () => {
    const url = await misbehaving((stream) => stream.close(constants.NGHTTP2_CANCEL));
    expectUnavailable(await callRates(url));
  });

  it('reports a session destroyed mid-call as unavailable', async () => {
    const url = await misbehaving((stream) => stream.session?.destroy());
    expectUnavailable(await callRates(url));
  });

  it('reports a GOAWAY that refuses the call mid-flight as unavailable', async () => {
    const url = await misbehaving((stream) => {
      stream.session?.goaway(constants.NGHTTP2_NO_ERROR, 0);
      stream.close(constants.NGHTTP2_REFUSED_STREAM);
    });
    expectUnavailable(await callRates(url));
  });

  it('reports a server process killed with SIGKILL while it holds the call as unavailable', async () => {
    // A separate process, so the kernel tears its sockets down exactly as after a crash.
    const child = spawn(process.execPath, ['-e', `
      const server = require('node:http2').createServer();
      server.on('stream', () => process.stdout.write('holding\\n'));
      server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    closers.push(() => void child.kill('SIGKILL'));
    const [port] = (await once(child.stdout, 'data')) as [Buffer];
    const failure = callRates(`http://127.0.0.1:${port.toString().trim()}`);
    await once(child.stdout, 'data');
    child.kill('SIGKILL');
    expectUnavailable(await failure);
  });
});

describe('a client facing an upstream that answers', () => {
  let server: GrpcServer;
  afterEach(async () => server.close());

  it.each([Code.Aborted, Code.Internal, Code.Unavailable, Code.FailedPrecondition])(
    'passes the upstream answer with code %i through with its own code and message',
    async (code) => {
      server = await createGrpcServer({
        services: [serve(RatesService, {
          getRate: () => {
            throw new ConnectError('decided upstream', code);
          },
          listRates: () => ({}),
        })],
        logger: recordingLogger(),
        port: 0,
        host: '127.0.0.1',
      });
      const error = await callRates(`http://127.0.0.1:${server.port}`);
      expect(error.code).toBe(code);
      // The server hides internal text of its own; what it chose to send arrives unchanged.
      if (code !== Code.Internal) expect(error.rawMessage).toBe('decided upstream');
    },
  );

  it('keeps deadline_exceeded when the upstream is slower than our deadline', async () => {
    const url = await misbehaving(() => {});
    const client = createGrpcClient(RatesService, url, { name: 'rates-service', timeoutMs: 200 });
    expect((await failureOf(client.getRate({ base: 'USD', quote: 'GEL' }))).code).toBe(Code.DeadlineExceeded);
  });

  it('keeps canceled when our own caller aborts the call', async () => {
    const url = await misbehaving(() => {});
    const client = createGrpcClient(RatesService, url, { name: 'rates-service', timeoutMs: 4_000 });
    const caller = new AbortController();
    const call = failureOf(client.getRate({ base: 'USD', quote: 'GEL' }, { signal: caller.signal }));
    setTimeout(() => caller.abort(), 100);
    expect((await call).code).toBe(Code.Canceled);
  });
});
