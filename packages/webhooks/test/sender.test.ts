import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookSender, RESPONSE_BODY_LIMIT, WEBHOOK_USER_AGENT, type WebhookSender } from '../src/index.ts';

// A real HTTP receiver on loopback; each test says how it answers.
let answer: (request: IncomingMessage, response: ServerResponse) => void;
const received: Array<{ path: string; headers: IncomingMessage['headers']; body: string }> = [];
let server: Server;
let port: number;
const senders: WebhookSender[] = [];

function sender(allowPrivate: boolean, timeoutMs = 2_000): WebhookSender {
  const created = createWebhookSender({ policy: { allowPrivate }, timeoutMs });
  senders.push(created);
  return created;
}

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers, body });
      answer(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterEach(async () => {
  received.length = 0;
  await Promise.all(senders.splice(0).map((created) => created.close()));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const hook = (path = '/hook') => ({ url: `http://127.0.0.1:${port}${path}`, headers: { 'webhook-id': 'evt_1' }, body: '{"a":1}' });

describe('webhook sender', () => {
  it('posts the body as JSON with its headers and counts a 2xx as success', async () => {
    answer = (_request, response) => response.writeHead(204).end();
    const result = await sender(true).send(hook());
    expect(result).toMatchObject({ succeeded: true, statusCode: 204, error: null, responseBody: '' });
    expect(received).toHaveLength(1);
    expect(received[0]!.body).toBe('{"a":1}');
    expect(received[0]!.headers).toMatchObject({ 'content-type': 'application/json', 'user-agent': WEBHOOK_USER_AGENT, 'webhook-id': 'evt_1' });
  });

  it('counts any other status as a failure and keeps the first 1 kB of the answer', async () => {
    answer = (_request, response) => response.writeHead(500).end(`${'é'.repeat(RESPONSE_BODY_LIMIT)}`);
    const result = await sender(true).send(hook());
    expect(result).toMatchObject({ succeeded: false, statusCode: 500, error: 'the receiver answered 500' });
    expect(Buffer.byteLength(result.responseBody!)).toBeLessThanOrEqual(RESPONSE_BODY_LIMIT + 2);
    expect(result.responseBody!.startsWith('é'.repeat(RESPONSE_BODY_LIMIT / 2 - 1))).toBe(true);
  });

  it('does not follow a redirect: a 3xx is a failed attempt', async () => {
    answer = (request, response) => {
      if (request.url === '/hook') response.writeHead(307, { location: `http://127.0.0.1:${port}/elsewhere` }).end();
      else response.writeHead(200).end();
    };
    const result = await sender(true).send(hook());
    expect(result).toMatchObject({ succeeded: false, statusCode: 307, error: 'redirects are not followed (status 307)' });
    expect(received.map((request) => request.path)).toEqual(['/hook']);
  });

  it('gives up on an answer that does not come within the deadline', async () => {
    answer = (_request, response) => setTimeout(() => response.writeHead(200).end(), 1_500);
    const result = await sender(true, 300).send(hook());
    expect(result).toMatchObject({ succeeded: false, statusCode: null, error: 'no answer within 300 ms' });
    expect(result.durationMs).toBeLessThan(1_500);
  });

  it('refuses, at connect, a name that resolves to a loopback address when private addresses are not allowed', async () => {
    answer = (_request, response) => response.writeHead(200).end();
    const result = await sender(false).send({ ...hook(), url: `https://localhost:${port}/hook` });
    expect(result).toMatchObject({ succeeded: false, statusCode: null });
    expect(result.error).toMatch(/is not a public address/);
    expect(received).toHaveLength(0);
  });

  it('refuses a private address written in the URL, and an http URL, when private addresses are not allowed', async () => {
    answer = (_request, response) => response.writeHead(200).end();
    const strict = sender(false);
    expect((await strict.send({ ...hook(), url: `https://127.0.0.1:${port}/hook` })).error).toMatch(/127\.0\.0\.1 is not a public address/);
    expect((await strict.send({ ...hook(), url: `https://[::1]:${port}/hook` })).error).toMatch(/::1 is not a public address/);
    expect((await strict.send(hook())).error).toBe('url must use https');
    expect(received).toHaveLength(0);
  });

  it('reports a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await sender(true).send({ ...hook(), url: `http://127.0.0.1:${closedPort}/hook` });
    expect(result).toMatchObject({ succeeded: false, statusCode: null, error: 'the connection was refused' });
  });
});
