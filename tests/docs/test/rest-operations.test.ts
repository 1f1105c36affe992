import { readdirSync } from 'node:fs';
import { createRouterTransport } from '@connectrpc/connect';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from '@billing/gateway';
import { readDoc } from './markdown.ts';

// The REST operations the docs name against the OpenAPI document the gateway serves (built here
// with no service behind it: the document comes from the route schemas alone).

interface Document {
  paths: Record<string, Record<string, { operationId?: string }>>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
let document: Document;
let close: () => Promise<void>;

beforeAll(async () => {
  const gateway = await buildGateway({
    transports: { rates: createRouterTransport(() => {}), bills: createRouterTransport(() => {}) },
    logger: pino({ level: 'silent' }),
    access: { defaultRateLimitPerMinute: 600 },
  });
  close = () => gateway.close();
  const response = await gateway.inject({ method: 'GET', url: '/openapi.json' });
  expect(response.statusCode).toBe(200);
  document = response.json() as Document;
});

afterAll(async () => {
  await close?.();
});

/** `GET /v1/customers/{customerId}/bills` → `GET /v1/customers/{}/bills`: parameter names aside. */
function shape(method: string, path: string): string {
  return `${method.toUpperCase()} ${path.replace(/\{[^}]*\}/g, '{}')}`;
}

function operations(): Array<{ key: string; operationId?: string }> {
  return Object.entries(document.paths).flatMap(([path, item]) => METHODS.filter((method) => item[method])
    .map((method) => ({ key: shape(method, path), operationId: item[method]?.operationId })));
}

/** Every doc that may name a route: the README, docs/ and each app's README. */
const DOCS = ['README.md', ...readdirSync(new URL('../../../docs', import.meta.url)).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`),
  ...['gateway', 'bill-service', 'rates-service', 'worker'].map((app) => `apps/${app}/README.md`)];

/** Each `METHOD /path` a doc names in a code span (a query string dropped; `...` abbreviations skipped). */
function routesNamed(markdown: string): string[] {
  return [...markdown.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[^`\s?]*)[^`]*`/g)]
    .filter((match) => !(match[2] as string).includes('...') && !(match[2] as string).includes('…'))
    .map((match) => shape(match[1] as string, match[2] as string));
}

describe('REST operations in the docs', () => {
  it('every route a doc names is an operation of the OpenAPI document', () => {
    // The document itself and its rendering are served beside it, not described in it.
    const served = new Set([...operations().map((operation) => operation.key), 'GET /openapi.json', 'GET /docs']);
    const unknown = DOCS.flatMap((doc) => routesNamed(readDoc(doc)).filter((route) => !served.has(route)).map((route) => `${doc}: ${route}`));
    expect(unknown).toEqual([]);
  });

  it('every operation of the OpenAPI document is named in some doc', () => {
    const named = new Set(DOCS.flatMap((doc) => routesNamed(readDoc(doc))));
    expect(operations().map((operation) => operation.key).filter((key) => !named.has(key))).toEqual([]);
  });

  it('the README states how many operations the contract fuzz covers', () => {
    // The fuzz runs every operation but the endless event stream (scripts/contract-fuzz/run.ts).
    const fuzzed = operations().filter((operation) => operation.operationId !== 'streamEvents').length;
    const stated = /over (\d+)\/(\d+) operations/.exec(readDoc('README.md'));
    expect(stated?.slice(1).map(Number)).toEqual([fuzzed, fuzzed]);
    expect(readDoc('scripts/contract-fuzz/run.ts')).toContain("'--exclude-operation-id', 'streamEvents'");
  });
});
