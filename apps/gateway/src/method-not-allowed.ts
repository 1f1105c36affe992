import { Code } from '@connectrpc/connect';
import type { FastifyInstance } from 'fastify';
import { errorResponseFor } from './errors.ts';

interface KnownPath {
  /** Matches the request paths the router sends to this route pattern. */
  pattern: RegExp;
  methods: Set<string>;
}

// find-my-way's syntax: `:name` is one path segment, a trailing `*` is the rest of the path.
function patternOf(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => (segment === '*' ? '.*' : segment.startsWith(':') ? '[^/]*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}

/**
 * A request for a path the gateway serves, with a method it does not serve there, is a 405 with
 * `Allow` listing the methods it does serve, not a 404.
 * The code is `invalid_argument`: the resource exists and the client must change its request,
 * and every error code stays a Connect code name. Install before the routes: it learns them as
 * they are added.
 */
export function installMethodNotAllowed(app: FastifyInstance): void {
  const known = new Map<string, KnownPath>();
  app.addHook('onRoute', (route) => {
    const entry = known.get(route.url) ?? { pattern: patternOf(route.url), methods: new Set<string>() };
    for (const method of [route.method].flat()) entry.methods.add(method);
    known.set(route.url, entry);
  });

  app.addHook('onRequest', async (request, reply) => {
    if (!request.is404) return;
    const path = request.url.split('?')[0] ?? '';
    const allowed = new Set<string>();
    for (const { pattern, methods } of known.values()) {
      if (pattern.test(path)) for (const method of methods) allowed.add(method);
    }
    if (allowed.size === 0) return;
    const allow = [...allowed].sort().join(', ');
    // The path is the client's own input: echo it, but not at any length.
    const { body } = errorResponseFor(Code.InvalidArgument, `${request.method} is not allowed on ${path.slice(0, 200)}; allowed: ${allow}`);
    return reply.code(405).header('allow', allow).send(body);
  });
}
