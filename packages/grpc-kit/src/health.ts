import { setTimeout as sleep } from 'node:timers/promises';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import { health } from '@billing/contracts';
import type { GrpcLogger } from './logger.ts';

const { Health, HealthCheckResponse_ServingStatus: ServingStatus } = health;
type ServingStatus = health.HealthCheckResponse_ServingStatus;

/**
 * A dependency the server needs to do its work (a database, Temporal, a rates provider). It
 * passes by returning anything but `false`; throwing, rejecting, returning `false` or taking
 * longer than the check timeout fails it.
 */
export type HealthCheck = () => unknown;

export interface HealthOptions {
  /** Fully-qualified names of the services this server answers for; "" (overall) is implied. */
  services: readonly string[];
  /** Named checks; every service is SERVING only while all of them pass. */
  checks?: Readonly<Record<string, HealthCheck>>;
  checkTimeoutMs?: number;
  /** How often an open Watch re-runs the checks to notice a change. */
  watchIntervalMs?: number;
  logger?: GrpcLogger;
}

export interface HealthService {
  readonly service: typeof Health;
  readonly impl: ServiceImpl<typeof Health>;
  /** The status Check would answer now; SERVICE_UNKNOWN for a name this server does not serve. */
  statusOf(serviceName: string): Promise<ServingStatus>;
  /** From now on every service reports NOT_SERVING (draining before shutdown); open watches are told at once. */
  drain(): void;
}

/** `grpc.health.v1.Health` over a set of dependency checks. */
export function healthService(options: HealthOptions): HealthService {
  const known = new Set(['', ...options.services]);
  const checks = Object.entries(options.checks ?? {});
  const checkTimeoutMs = options.checkTimeoutMs ?? 2_000;
  const watchIntervalMs = options.watchIntervalMs ?? 1_000;
  let draining = false;
  const drained = new AbortController();
  let lastFailures = '';

  async function serverStatus(): Promise<ServingStatus> {
    if (draining) return ServingStatus.NOT_SERVING;
    const failures = await Promise.all(checks.map(async ([name, check]) => {
      const reason = await failureOf(check, checkTimeoutMs);
      return reason === undefined ? undefined : { check: name, reason };
    }));
    const failing = failures.filter((failure) => failure !== undefined);
    // Log transitions only: a probe every few seconds must not flood the log.
    const summary = failing.map((failure) => failure.check).join(',');
    if (summary !== lastFailures) {
      if (failing.length > 0) options.logger?.warn({ failing }, 'health checks failing');
      else if (lastFailures !== '') options.logger?.info({}, 'health checks passing again');
      lastFailures = summary;
    }
    return failing.length === 0 ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
  }

  async function statusOf(serviceName: string): Promise<ServingStatus> {
    return known.has(serviceName) ? serverStatus() : ServingStatus.SERVICE_UNKNOWN;
  }

  const impl: ServiceImpl<typeof Health> = {
    async check(request) {
      const status = await statusOf(request.service);
      // grpc.health.v1: Check on a service the server does not know is NOT_FOUND, not a status.
      if (status === ServingStatus.SERVICE_UNKNOWN) {
        throw new ConnectError(`unknown service "${request.service}"`, Code.NotFound);
      }
      return { status };
    },
    async *watch(request, context) {
      // Sends the current status, then each change, until the caller hangs up or we drain.
      const stop = AbortSignal.any([context.signal, drained.signal]);
      let previous: ServingStatus | undefined;
      for (;;) {
        const status = await statusOf(request.service);
        if (status !== previous) {
          previous = status;
          yield { status };
        }
        if (context.signal.aborted) return;
        // Once drained the status can only be NOT_SERVING (or SERVICE_UNKNOWN): end the stream
        // right after the watcher has heard it, so shutdown is not held open by watchers.
        if (drained.signal.aborted) {
          if (status !== ServingStatus.SERVING) return;
          continue;
        }
        await sleep(watchIntervalMs, undefined, { signal: stop }).catch(() => {});
      }
    },
    async list() {
      // Every service shares the server's checks, so one run answers for all of them.
      const status = await serverStatus();
      return { statuses: Object.fromEntries([...known].map((name) => [name, { status }])) };
    },
  };

  return {
    service: Health,
    impl,
    statusOf,
    drain() {
      draining = true;
      drained.abort();
    },
  };
}

/** Why the check failed, or undefined when it passed. */
async function failureOf(check: HealthCheck, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = Symbol('timed out');
  const timeout = new Promise<typeof timedOut>((resolve) => {
    timer = setTimeout(() => resolve(timedOut), timeoutMs);
  });
  try {
    const outcome = await Promise.race([Promise.resolve().then(check), timeout]);
    if (outcome === timedOut) return `no answer within ${timeoutMs} ms`;
    return outcome === false ? 'reported not ready' : undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}
