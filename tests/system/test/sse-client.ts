import { ADMIN, gateway } from './bills-api.ts';

// A minimal reader of text/event-stream for the system tests: it parses what arrives on the wire
// (id:, event:, data: lines and comment lines), so the tests see exactly what a browser would.

export interface SseEvent {
  id: string;
  event: string;
  data: unknown;
}

export interface SseStream {
  status: number;
  /** The next event, or a failure after `timeoutMs`. */
  next(timeoutMs?: number): Promise<SseEvent>;
  /** Comment lines (heartbeats) seen so far. */
  comments(): number;
  close(): void;
}

export async function openStream(
  path: string,
  options: { lastEventId?: string; authorization?: string; baseUrl?: string; headers?: Record<string, string> } = {},
): Promise<SseStream> {
  const hangUp = new AbortController();
  const headers: Record<string, string> = { ...options.headers, authorization: options.authorization ?? ADMIN, accept: 'text/event-stream' };
  if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
  const response = await fetch(`${options.baseUrl ?? gateway}${path}`, { headers, signal: hangUp.signal });
  const events: SseEvent[] = [];
  const waiting: Array<() => void> = [];
  let comments = 0;
  let ended = false;
  const wake = () => waiting.splice(0).forEach((resolve) => resolve());

  void (async () => {
    if (!response.body || response.status !== 200) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments += 1;
            const colon = line.indexOf(':');
            if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
          }
          if (fields.data !== undefined) events.push({ id: fields.id ?? '', event: fields.event ?? '', data: JSON.parse(fields.data) });
          wake();
        }
      }
    } catch {
      // Hung up by close().
    } finally {
      ended = true;
      wake();
    }
  })();

  return {
    status: response.status,
    async next(timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (events.length === 0) {
        if (ended) throw new Error('the stream ended');
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no event within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          setTimeout(resolve, left);
        });
      }
      return events.shift()!;
    },
    comments: () => comments,
    close: () => hangUp.abort(),
  };
}
