// What the webhook delivery tests run against: a real PostgreSQL database (migrated, the file's
// own: servers.ts), a real HTTP receiver on loopback whose answers each test scripts by path,
// endpoints and secrets written by SQL (as the management API would), events written through
// recordEvents, and dispatchers started with the worker's own code.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDb, recordEvents, type Db, type EventType, type StoredEvent } from '@billing/db';
import { createLogger } from '@billing/runtime';
import { createWebhookSender, generateSecret, type WebhookSecret } from '@billing/webhooks';
import { freshDatabase } from './servers.ts';
import { startWebhookDispatcher, type WebhookDispatcher, type WebhookDispatcherOptions } from '../../src/webhooks/dispatcher.ts';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The event id, from the webhook-id header. */
  id: string;
}

/** Answers one request; the attempt number counts this path's requests for this event, from 1. */
export type Answer = (request: ReceivedWebhook, attempt: number, response: ServerResponse) => void;

export interface Receiver {
  port: number;
  received: ReceivedWebhook[];
  /** How requests to `path` are answered; 204 when nothing is said. */
  answer(path: string, answer: Answer): void;
  url(path: string): string;
  stop(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const answers = new Map<string, Answer>();
  const received: ReceivedWebhook[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      const path = request.url ?? '/';
      const webhook = { path, headers: request.headers, body, id: String(request.headers['webhook-id']) };
      received.push(webhook);
      const attempt = received.filter((other) => other.path === path && other.id === webhook.id).length;
      (answers.get(path) ?? ((_r, _a, res) => res.writeHead(204).end()))(webhook, attempt, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    received,
    answer: (path, answer) => answers.set(path, answer),
    url: (path) => `http://127.0.0.1:${port}${path}`,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface DeliveryTestStack {
  db: Db;
  databaseUrl: string;
  receiver: Receiver;
  /** Starts a dispatcher as the worker does (private addresses allowed unless said); stopped by `stop`. */
  dispatcher(options?: Partial<Omit<WebhookDispatcherOptions, 'db' | 'databaseUrl' | 'sender'>> & { allowPrivate?: boolean }): WebhookDispatcher;
  stopDispatchers(): Promise<void>;
  stop(): Promise<void>;
}

const quiet = createLogger('worker-test', 'error');

export async function startDeliveryTestStack(): Promise<DeliveryTestStack> {
  const database = await freshDatabase();
  const db = createDb({ url: database.url, poolMax: 20 });
  const receiver = await startReceiver();
  const running: Array<{ dispatcher: WebhookDispatcher; close: () => Promise<void> }> = [];
  const stopDispatchers = async () => {
    for (const { dispatcher, close } of running.splice(0)) {
      await dispatcher.stop();
      await close();
    }
  };
  return {
    db,
    databaseUrl: database.url,
    receiver,
    dispatcher(options = {}) {
      const { allowPrivate = true, ...rest } = options;
      const timeoutMs = rest.timeoutMs ?? 2_000;
      const sender = createWebhookSender({ policy: { allowPrivate }, timeoutMs });
      const dispatcher = startWebhookDispatcher({
        db, databaseUrl: database.url, logger: quiet, sender, timeoutMs, retryScheduleMs: [100],
        // Only a NOTIFY or a scheduled retry wakes these dispatchers, unless a test says otherwise.
        pollIntervalMs: 60_000, ...rest,
      });
      running.push({ dispatcher, close: () => sender.close() });
      return dispatcher;
    },
    stopDispatchers,
    async stop() {
      await stopDispatchers();
      await receiver.stop();
      await db.destroy();
      await database.drop();
    },
  };
}

export interface TestEndpoint {
  id: string;
  secret: WebhookSecret;
}

/** Registers an endpoint the way the management API stores one, bypassing its URL check. */
export async function insertEndpoint(db: Db, fields: { url: string; customerId: string | null; events?: string[]; ordered?: boolean }): Promise<TestEndpoint> {
  const id = `we_${randomUUID().replaceAll('-', '')}`;
  const secret = generateSecret();
  await db.transaction(async (trx) => {
    await trx('webhook_endpoints').insert({
      id, url: fields.url, event_types: fields.events ?? ['*'], customer_id: fields.customerId, ordered: fields.ordered ?? true,
    });
    await trx('webhook_endpoint_secrets').insert({ endpoint_id: id, secret: secret.key });
  });
  return { id, secret };
}

export const newCustomer = () => `cust-${randomUUID().slice(0, 8)}`;

/** Writes events for `customerId`, each in a transaction of its own (as separate changes would). */
export async function writeEvents(db: Db, customerId: string, count: number, type: EventType = 'bill.item_added'): Promise<StoredEvent[]> {
  const written: StoredEvent[] = [];
  for (let index = 0; index < count; index += 1) {
    const [event] = await db.transaction((trx) => recordEvents(trx, [{ type, customerId, data: { n: index + 1, amount: { amount: '10.50', currency: 'USD' } } }]));
    written.push(event!);
  }
  return written;
}

export interface DeliveryRow {
  id: string;
  event_id: string;
  status: string;
  attempt_count: number;
  give_up_at: Date;
  completed_at: Date | null;
}

export interface AttemptRow {
  attempt: number;
  status_code: number | null;
  error: string | null;
  response_body: string | null;
  next_retry_at: Date | null;
  duration_ms: number;
}

export async function deliveriesOf(db: Db, endpointId: string): Promise<DeliveryRow[]> {
  return db('webhook_deliveries').where({ endpoint_id: endpointId }).orderBy('event_seq')
    .select('id', 'event_id', 'status', 'attempt_count', 'give_up_at', 'completed_at') as Promise<DeliveryRow[]>;
}

export async function attemptsOf(db: Db, deliveryId: string): Promise<AttemptRow[]> {
  return db('webhook_attempts').where({ delivery_id: deliveryId }).orderBy('attempt')
    .select('attempt', 'status_code', 'error', 'response_body', 'next_retry_at', 'duration_ms') as Promise<AttemptRow[]>;
}
