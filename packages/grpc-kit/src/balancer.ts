import { lookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import type { Transport } from '@connectrpc/connect';
import { isUpstreamUnavailable } from './upstream-failure.ts';

/**
 * Per-call balancing over every replica of a service.
 *
 * gRPC runs over HTTP/2, which multiplexes every call onto one long-lived connection: behind a
 * connection-level balancer (a Kubernetes ClusterIP Service, a TCP proxy) all of one client's calls
 * reach one replica. So the client balances itself: a target is a comma-separated list of base URLs,
 * and a URL whose host is a name (not an IP literal) stands for every address that name resolves
 * to, as a headless Kubernetes Service's does. Each address gets its own HTTP/2 connection, and
 * each call goes to the next address in turn.
 *
 * A backend whose call fails without an answer from it (see upstream-failure.ts) is skipped for
 * EJECT_MS; a unary call that could not even reach it (the connection was refused, the host did not
 * resolve) is sent again to the next backend at once, since the first never saw it. The name is
 * resolved again every REFRESH_MS on the next call, and at once after a failure, so replicas that
 * come and go are followed without a restart.
 */
export interface BackendTransportFactory {
  /** A transport to `baseUrl`, connecting with `lookup` when the address is pinned. */
  (baseUrl: string, lookup: LookupFunction | undefined): { transport: Transport; close(): void };
}

export interface BalancerOptions {
  /** How long a failed backend is skipped; default 1 s. */
  ejectMs?: number;
  /** How often a name is resolved again; default 5 s. */
  refreshMs?: number;
  /** Resolves a host to its addresses; default: the system resolver (`getaddrinfo`, as Node's connect uses). */
  resolve?: (host: string) => Promise<string[]>;
}

export interface BalancedTransport {
  readonly transport: Transport;
  /** The base URLs and addresses calls are spread over right now. */
  backends(): string[];
  close(): void;
}

interface Backend {
  key: string;
  transport: Transport;
  close(): void;
  downUntil: number;
}

interface Target {
  url: URL;
  /** Set for a host name: when it was last resolved (0: never). */
  resolvedAt?: number;
  backends: Backend[];
}

const EJECT_MS = 1_000;
const REFRESH_MS = 5_000;
/** Connection-level failures: the request was never sent, so another backend may take it. */
const NOT_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

async function systemResolve(host: string): Promise<string[]> {
  return (await lookup(host, { all: true })).map((entry) => entry.address);
}

/** A `lookup` for net.connect that always answers `address`, so TLS and `:authority` keep the host name. */
function pinnedLookup(address: string): LookupFunction {
  const family = isIP(address);
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as LookupFunction;
}

function neverSent(error: unknown): boolean {
  for (let cause: unknown = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_SENT.has(code)) return true;
  }
  return false;
}

/** Splits a comma-separated target into base URLs; throws on an empty or malformed one. */
export function parseTarget(target: string): URL[] {
  const urls = target.split(',').map((part) => part.trim()).filter((part) => part.length > 0).map((part) => new URL(part));
  if (urls.length === 0) throw new Error(`no service address in "${target}"`);
  return urls;
}

export function balancedTransport(target: string, connect: BackendTransportFactory, options: BalancerOptions = {}): BalancedTransport {
  const ejectMs = options.ejectMs ?? EJECT_MS;
  const refreshMs = options.refreshMs ?? REFRESH_MS;
  const resolve = options.resolve ?? systemResolve;
  const retired: Backend[] = [];
  const open = (key: string, baseUrl: string, pinned: string | undefined): Backend => ({
    key, downUntil: 0, ...connect(baseUrl, pinned === undefined ? undefined : pinnedLookup(pinned)),
  });
  const targets: Target[] = parseTarget(target).map((url) => {
    const base = url.origin;
    // Until a name is resolved, its calls go through the system resolver as a single backend.
    return isIP(url.hostname.replace(/^\[|\]$/g, '')) === 0
      ? { url, resolvedAt: 0, backends: [open(base, base, undefined)] }
      : { url, backends: [open(base, base, undefined)] };
  });
  let next = 0;
  let closed = false;

  const refresh = async (entry: Target) => {
    entry.resolvedAt = Date.now();
    let addresses: string[];
    try {
      addresses = [...new Set(await resolve(entry.url.hostname))].sort();
    } catch {
      return; // Keep what there is; its calls report the failure.
    }
    if (closed || addresses.length === 0) return;
    const base = entry.url.origin;
    const kept = new Map(entry.backends.map((backend) => [backend.key, backend]));
    const backends = addresses.map((address) => kept.get(`${base}@${address}`) ?? open(`${base}@${address}`, base, address));
    // A backend left out is not aborted: its calls in flight finish, and its idle connection closes itself.
    for (const backend of entry.backends) if (!backends.includes(backend)) retired.push(backend);
    entry.backends = backends;
  };
  const refreshDue = () => {
    const now = Date.now();
    for (const entry of targets) {
      if (entry.resolvedAt !== undefined && now - entry.resolvedAt >= refreshMs) void refresh(entry);
    }
  };
  const refreshNow = () => {
    for (const entry of targets) if (entry.resolvedAt !== undefined) void refresh(entry);
  };
  for (const entry of targets) if (entry.resolvedAt !== undefined) void refresh(entry);

  const all = () => targets.flatMap((entry) => entry.backends);
  /** The backends to try, in order: the next up ones in turn, then those skipped for a failure. */
  const order = (): Backend[] => {
    refreshDue();
    const list = all();
    if (list.length === 1) return list;
    const start = next++ % list.length;
    const rotated = [...list.slice(start), ...list.slice(0, start)];
    const now = Date.now();
    const up = rotated.filter((backend) => backend.downUntil <= now);
    const down = rotated.filter((backend) => backend.downUntil > now).sort((a, b) => a.downUntil - b.downUntil);
    return [...up, ...down];
  };
  const failed = (backend: Backend, error: unknown) => {
    if (!isUpstreamUnavailable(error)) return;
    backend.downUntil = Date.now() + ejectMs;
    refreshNow();
  };

  const transport: Transport = {
    async unary(method, signal, timeoutMs, header, input, contextValues) {
      const candidates = order();
      for (let index = 0; ; index++) {
        const backend = candidates[index] as Backend;
        try {
          // Each attempt gets its own copy of the headers, since a transport may add to them; a lone backend gets them as they are.
          const headers = header === undefined || candidates.length === 1 ? header : new Headers(header);
          return await backend.transport.unary(method, signal, timeoutMs, headers, input, contextValues);
        } catch (error) {
          failed(backend, error);
          if (index + 1 >= candidates.length || !neverSent(error) || signal?.aborted) throw error;
        }
      }
    },
    async stream(method, signal, timeoutMs, header, input, contextValues) {
      const backend = order()[0] as Backend;
      try {
        return await backend.transport.stream(method, signal, timeoutMs, header, input, contextValues);
      } catch (error) {
        failed(backend, error);
        throw error;
      }
    },
  };

  return {
    transport,
    backends: () => all().map((backend) => backend.key),
    close() {
      closed = true;
      for (const backend of [...all(), ...retired.splice(0)]) backend.close();
    },
  };
}
