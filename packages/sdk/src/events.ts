import { BillingApiError, retryingFetch, type BillingClientOptions } from './client.ts';
import type { ErrorBody, Event } from './gen/types.gen.ts';

export interface EventStreamOptions {
  /** Whose events. */
  customerId: string;
  /** Only these types; all when absent. */
  types?: readonly Event['type'][];
  /** Start right after this event (a previous stream's last `id`); without it, from the oldest event kept. */
  lastEventId?: string;
  /** Ends the stream (the loop then ends without an error). */
  signal?: AbortSignal;
  /** The wait before reconnecting after the stream ended or broke; default 1 s. */
  reconnectDelayMs?: number;
}

/**
 * A customer's events from `GET /v1/events/stream`, typed by their `type`, for `for await`. When
 * the connection ends (the gateway closes a stream after an hour) or breaks, it reconnects with
 * `Last-Event-ID` set to the last event received, so nothing is missed or repeated. A refusal (a
 * bad key, an unknown resume id) throws a BillingApiError; 429 and 503 are retried as any call.
 */
export async function* streamEvents(client: BillingClientOptions, options: EventStreamOptions): AsyncGenerator<Event, void, undefined> {
  const send = retryingFetch(client);
  const signal = options.signal ?? new AbortController().signal;
  const query = new URLSearchParams({ customerId: options.customerId });
  if (options.types !== undefined && options.types.length > 0) query.set('types', options.types.join(','));
  const url = `${client.baseUrl.replace(/\/+$/, '')}/v1/events/stream?${query.toString()}`;
  let lastEventId = options.lastEventId;
  while (!signal.aborted) {
    const headers: Record<string, string> = { authorization: `Bearer ${client.apiKey}`, accept: 'text/event-stream' };
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    try {
      const response = await send(url, { headers, signal });
      if (!response.ok) {
        const body = await response.json().catch(() => undefined) as ErrorBody | undefined;
        throw new BillingApiError(response.status, body ?? { code: 'unknown', message: response.statusText, details: [] }, response.headers.get('x-request-id'));
      }
      for await (const message of messages(response)) {
        if (message.data === undefined) continue;
        const event = JSON.parse(message.data) as Event;
        lastEventId = message.id ?? event.id;
        yield event;
      }
    } catch (error) {
      if (signal.aborted) return;
      // A refusal, or a message that is not JSON (reconnecting would read it again): the caller's.
      if (error instanceof BillingApiError || error instanceof SyntaxError) throw error;
      // The connection broke: reconnect from the last event below.
    }
    await new Promise((resolve) => setTimeout(resolve, options.reconnectDelayMs ?? 1_000));
  }
}

interface Message {
  id?: string;
  event?: string;
  data?: string;
}

/** The messages of a text/event-stream body (the WHATWG framing): comments skipped, `data` lines joined. */
async function* messages(response: Response): AsyncGenerator<Message, void, undefined> {
  if (response.body === null) return;
  const decoder = new TextDecoder();
  let buffer = '';
  let message: Message = {};
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.search(/\r\n|\r|\n/);
    while (newline !== -1) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        if (message.data !== undefined || message.id !== undefined) yield message;
        message = {};
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') message.data = message.data === undefined ? value : `${message.data}\n${value}`;
        else if (field === 'id') message.id = value;
        else if (field === 'event') message.event = value;
      }
      newline = buffer.search(/\r\n|\r|\n/);
    }
  }
}
