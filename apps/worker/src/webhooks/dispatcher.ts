// The webhook dispatcher: one loop per worker process, any number of processes. It claims due
// deliveries under a lease, sends them concurrently (a bounded number in flight), and records
// each attempt. It sleeps between claims: committed deliveries (events some endpoint wants) or a
// manual retry wake it through PostgreSQL NOTIFY, a scheduled retry through a timer set to the earliest one, and a slow
// fallback poll covers what neither announces (a crashed peer's expired lease, a lost notification).
//
// At least once: a delivery is marked done only after its receiver answered 2xx, in a transaction
// of its own; a dispatcher that dies mid-send leaves a lease that expires, and the delivery is
// claimed and sent again (with the same webhook-id, for receivers to drop the duplicate).
import type { Db, StoredEvent } from '@billing/db';
import { eventJson } from '@billing/resources';
import { createBatcher, type Logger } from '@billing/runtime';
import { signedHeaders, type AttemptResult, type WebhookSender } from '@billing/webhooks';
import { deliveryRepository, type AttemptOutcome, type Claim, type ClaimedDelivery, type RecordedAttempt } from './delivery-repository.ts';
import { listenForWork } from './wake-listener.ts';
import { webhookMetrics } from './webhook-metrics.ts';

export interface WebhookDispatcherOptions {
  db: Db;
  /** For the LISTEN connection, which lives outside the pool. */
  databaseUrl: string;
  logger: Logger;
  sender: WebhookSender;
  /** The sender's deadline, from which the lease is derived (`leaseMsFor`). */
  timeoutMs: number;
  retryScheduleMs: readonly number[];
  /** Attempts in flight at once, at most. */
  concurrency?: number;
  /** The longest sleep between claims when nothing announces work. */
  pollIntervalMs?: number;
  random?: () => number;
}

export interface WebhookDispatcher {
  /** Settles only if the loop breaks, which it should not: errors are logged and retried. */
  finished: Promise<void>;
  /** Stops claiming, lets attempts in flight finish and be recorded, then stops listening. */
  stop(): Promise<void>;
}

/**
 * How long a claim holds a delivery: twice the send deadline plus 5 s. Loading the event before
 * the request and recording the attempt after it happen inside the lease too, and a peer must not
 * claim a delivery whose attempt is still being recorded; a lease that runs out anyway costs a
 * duplicate send (which at-least-once allows), never a lost one. It is also how long a crashed
 * dispatcher's deliveries wait before another one sends them.
 */
export const leaseMsFor = (timeoutMs: number) => 2 * timeoutMs + 5_000;

const BACKLOG_REFRESH_MS = 5_000;
const CLAIM_ERROR_BACKOFF_MS = 1_000;

export function startWebhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher {
  const { db, logger, sender, timeoutMs, retryScheduleMs, concurrency = 256, pollIntervalMs = 30_000, random = Math.random } = options;
  const repository = deliveryRepository(db);
  const metrics = webhookMetrics();
  const leaseMs = leaseMsFor(timeoutMs);
  // Once a batch is out, claim again when a part of the slots is free rather than for each one,
  // so a busy dispatcher makes few, larger claims.
  const refill = Math.max(1, Math.floor(concurrency / 8));
  // Attempts finishing together are recorded together: one transaction for a batch of them.
  const recorder = createBatcher(
    () => 'attempts',
    (_key: string, batch: RecordedAttempt[]) => repository.recordAll(batch, { scheduleMs: retryScheduleMs, random }),
    { maxBatch: Math.max(concurrency, 1), maxInFlight: 2 },
  );
  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  // Something may be due: set by every wake-up, cleared by a claim that found less than it asked.
  let dueMaybe = true;
  let sleepUntil = 0;
  let wakeUp: (() => void) | undefined;

  const wake = () => {
    dueMaybe = true;
    wakeUp?.();
  };

  async function sleep(): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(wake, Math.max(0, sleepUntil - Date.now()));
      wakeUp = () => {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      };
    });
  }

  async function attempt(delivery: ClaimedDelivery, event: StoredEvent | undefined, keys: readonly string[] | undefined): Promise<void> {
    const startedAt = new Date();
    let recorded: RecordedAttempt;
    if (event === undefined) {
      // Only a delivery sent again by hand long after its event can outlive it (retention).
      recorded = { delivery, startedAt, result: noSend('the event no longer exists'), final: true };
    } else if (keys === undefined || keys.length === 0) {
      recorded = { delivery, startedAt, result: noSend('the endpoint has no signing secret') };
    } else {
      const body = JSON.stringify(eventJson(event));
      const headers = signedHeaders(event.id, startedAt, body, keys);
      recorded = { delivery, startedAt, result: await sender.send({ url: delivery.url, headers: { ...headers }, body }) };
    }
    let outcome: AttemptOutcome | null;
    try {
      outcome = await recorder.add('attempts', recorded);
    } catch (error) {
      // Sent but not recorded: the lease runs out and the delivery is sent again (at least once).
      logger.warn({ err: error, deliveryId: delivery.id }, 'webhook attempt could not be recorded; it will be sent again');
      return;
    }
    if (outcome === null) return;
    metrics.deliveries.inc({ outcome });
    if (outcome !== 'succeeded') {
      logger.info({ deliveryId: delivery.id, endpointId: delivery.endpointId, attempt: delivery.attempt, outcome,
        statusCode: recorded.result.statusCode, error: recorded.result.error }, 'webhook attempt failed');
    }
  }

  function start(delivery: ClaimedDelivery, event: StoredEvent | undefined, keys: readonly string[] | undefined): void {
    const running = attempt(delivery, event, keys)
      .catch((error: unknown) => logger.error({ err: error, deliveryId: delivery.id }, 'webhook attempt crashed'))
      .finally(() => {
        inFlight.delete(running);
        // The next delivery of this customer to an ordered endpoint may be due now.
        wake();
      });
    inFlight.add(running);
  }

  async function claimAndSend(free: number): Promise<Omit<Claim, 'deliveries'> & { claimed: number }> {
    const { deliveries, msUntilNextRetry } = await repository.claim(free, leaseMs);
    if (deliveries.length > 0) {
      const [events, keys] = await Promise.all([
        repository.events(deliveries.map((delivery) => delivery.eventId)),
        repository.signingKeys(deliveries.map((delivery) => delivery.endpointId)),
      ]);
      for (const delivery of deliveries) start(delivery, events.get(delivery.eventId), keys.get(delivery.endpointId));
    }
    return { claimed: deliveries.length, msUntilNextRetry };
  }

  async function loop(): Promise<void> {
    sleepUntil = Date.now() + pollIntervalMs;
    while (!stopping) {
      const free = concurrency - inFlight.size;
      // A wake-up that came while the last claim ran (an attempt just recorded) is acted on here,
      // before sleeping: it is the only word that a customer's next event may be due.
      if (dueMaybe && free >= (inFlight.size === 0 ? 1 : refill)) {
        dueMaybe = false;
        try {
          const { claimed, msUntilNextRetry } = await claimAndSend(free);
          if (claimed === free) {
            // A full batch: more may be due at once.
            dueMaybe = true;
          } else {
            sleepUntil = Date.now() + Math.min(pollIntervalMs, msUntilNextRetry ?? pollIntervalMs);
          }
        } catch (error) {
          logger.warn({ err: error }, 'could not claim webhook deliveries; trying again shortly');
          dueMaybe = true;
          sleepUntil = Date.now() + CLAIM_ERROR_BACKOFF_MS;
        }
        continue;
      }
      if (Date.now() >= sleepUntil) {
        // The timer's moment has come: claim, and the fallback poll restarts from here.
        dueMaybe = true;
        sleepUntil = Date.now() + pollIntervalMs;
        continue;
      }
      await sleep();
    }
    await Promise.allSettled([...inFlight]);
  }

  const refreshBacklog = () => {
    repository.backlog().then((count) => metrics.backlog.set(count), (error: unknown) => logger.debug({ err: error }, 'webhook backlog not counted'));
  };
  refreshBacklog();
  const backlogTimer = setInterval(refreshBacklog, BACKLOG_REFRESH_MS);
  backlogTimer.unref();
  const listener = listenForWork({ url: options.databaseUrl, logger, onWake: wake });
  const finished = loop();

  return {
    finished,
    async stop() {
      stopping = true;
      wakeUp?.();
      clearInterval(backlogTimer);
      await finished;
      await listener.close();
    },
  };
}

function noSend(error: string): AttemptResult {
  return { succeeded: false, statusCode: null, error, responseBody: null, durationMs: 0 };
}
