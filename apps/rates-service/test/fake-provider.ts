import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server standing in for a rates provider we cannot reach from here (Open
 * Exchange Rates, the ECB). It serves recorded payloads in the provider's documented formats
 * from test/fixtures, answers whatever a test sets, and records each request.
 */
export interface FakeResponse {
  status?: number;
  body?: string;
  contentType?: string;
  /** Never answer: the provider's timeout must end the call. */
  hang?: boolean;
}

export interface FakeProvider {
  /** http://127.0.0.1:PORT plus the prefix given at start. */
  readonly url: string;
  /** Paths (with query) in the order they were asked for. */
  readonly requests: string[];
  route(path: string, response: FakeResponse): void;
  /** Answer every path with this until `restore()`, e.g. an outage. */
  override(response: FakeResponse): void;
  restore(): void;
  close(): Promise<void>;
}

export function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

export async function startFakeProvider(prefix = ''): Promise<FakeProvider> {
  const routes = new Map<string, FakeResponse>();
  const requests: string[] = [];
  let outage: FakeResponse | undefined;

  const server = createServer((request, response) => {
    const target = request.url ?? '/';
    requests.push(target);
    const path = target.split('?')[0] ?? '/';
    const answer = outage ?? routes.get(path) ?? { status: 404, body: 'not found', contentType: 'text/plain' };
    send(response, answer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    requests,
    route: (path, response) => routes.set(`${prefix}${path}`, response),
    override: (response) => {
      outage = response;
    },
    restore: () => {
      outage = undefined;
    },
    close: async () => {
      // Hanging requests keep their sockets open; cut them so close() returns.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(response: ServerResponse, answer: FakeResponse): void {
  if (answer.hang === true) return;
  response.writeHead(answer.status ?? 200, { 'content-type': answer.contentType ?? 'application/json; charset=utf-8' });
  response.end(answer.body ?? '');
}

export const json = (body: string, status = 200): FakeResponse => ({ status, body, contentType: 'application/json; charset=utf-8' });
export const xml = (body: string, status = 200): FakeResponse => ({ status, body, contentType: 'text/xml' });

/** Serves the recorded ECB daily, 90-day and full-history files at their real paths. */
export function serveEcbFixtures(fake: FakeProvider): void {
  for (const file of ['eurofxref-daily.xml', 'eurofxref-hist-90d.xml', 'eurofxref-hist.xml']) {
    fake.route(`/${file}`, xml(fixture(`ecb/${file}`)));
  }
}
