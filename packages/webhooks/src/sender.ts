// Sends one webhook attempt over HTTP. Every address a host resolves to passes the address policy
// inside the connection's own DNS lookup, so the address that is checked is the address that is
// dialled: a name that resolved to a public address at registration and to a private one now (DNS
// rebinding) is refused here. Redirects are not followed (a 3xx is a failed attempt: following one
// would let a public URL point the dispatcher at a private one). The whole attempt, from the
// lookup to the last byte read, has one deadline, and at most 1 kB of the answer is read.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, request } from 'undici';
import { checkAddress, parseWebhookUrl, WebhookUrlError, type AddressPolicy } from './address-policy.ts';

/** How much of a receiver's answer is kept with the attempt. */
export const RESPONSE_BODY_LIMIT = 1_024;

export const WEBHOOK_USER_AGENT = 'billing-platform-webhooks/1';

export interface WebhookRequest {
  url: string;
  /** The signature headers and anything else the attempt carries; content-type and user-agent are added. */
  headers: Record<string, string>;
  body: string;
}

export interface AttemptResult {
  /** A 2xx answer came within the deadline. */
  succeeded: boolean;
  /** The answer's status; null when none came (refused address, connection error, timeout). */
  statusCode: number | null;
  /** Why the attempt failed, in words a receiver's owner can act on; null when it succeeded. */
  error: string | null;
  /** The first 1 kB of the answer's body; null when no answer came. */
  responseBody: string | null;
  durationMs: number;
}

export interface WebhookSender {
  send(request: WebhookRequest): Promise<AttemptResult>;
  /** Closes idle connections and waits for the ones in use. */
  close(): Promise<void>;
}

export interface WebhookSenderOptions {
  policy: AddressPolicy;
  /** The deadline of one whole attempt. */
  timeoutMs: number;
}

/** A DNS lookup that refuses the host if any address it resolves to is not allowed. */
export function checkedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, options: LookupOptions, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      try {
        if (addresses.length === 0) throw new WebhookUrlError(`webhook host ${hostname} does not resolve`);
        for (const entry of addresses) checkAddress(entry.address, policy);
      } catch (refused) {
        callback(refused as NodeJS.ErrnoException, '', 0);
        return;
      }
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const { policy, timeoutMs } = options;
  const agent = new Agent({ connect: { lookup: checkedLookup(policy), timeout: timeoutMs } });

  async function send(webhook: WebhookRequest): Promise<AttemptResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const failed = (error: string, statusCode: number | null = null, responseBody: string | null = null): AttemptResult =>
      ({ succeeded: false, statusCode, error, responseBody, durationMs: elapsed() });
    try {
      const url = parseWebhookUrl(webhook.url, policy);
      // An address written in the URL is dialled without a lookup, so it is checked here.
      const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
      if (ipaddr.isValid(host)) checkAddress(host, policy);
      const response = await request(url, {
        dispatcher: agent,
        method: 'POST',
        headers: { ...webhook.headers, 'content-type': 'application/json', 'user-agent': WEBHOOK_USER_AGENT },
        body: webhook.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const responseBody = await readStart(response.body);
      const status = response.statusCode;
      if (status >= 200 && status < 300) return { succeeded: true, statusCode: status, error: null, responseBody, durationMs: elapsed() };
      if (status >= 300 && status < 400) return failed(`redirects are not followed (status ${status})`, status, responseBody);
      return failed(`the receiver answered ${status}`, status, responseBody);
    } catch (error) {
      return failed(describeFailure(error, timeoutMs));
    }
  }

  return { send, close: () => agent.close() };
}

/** The first 1 kB of a body as text, then the rest is dropped unread (the connection with it). */
async function readStart(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= RESPONSE_BODY_LIMIT) break;
    }
  } catch {
    // The status has been answered; a body cut short (timeout, reset) keeps what arrived.
  } finally {
    body.destroy();
  }
  // PostgreSQL text cannot hold NUL; a multi-byte character cut at the limit decodes as U+FFFD.
  return Buffer.concat(chunks).subarray(0, RESPONSE_BODY_LIMIT).toString('utf8').replaceAll('\u0000', '');
}

function describeFailure(error: unknown, timeoutMs: number): string {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof WebhookUrlError) return cause.message;
    if (cause.name === 'TimeoutError' || cause.name === 'ConnectTimeoutError') return `no answer within ${timeoutMs} ms`;
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED') return 'the connection was refused';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host does not resolve';
    if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection was closed before an answer';
    if (code?.startsWith('ERR_TLS') || code?.startsWith('CERT_') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE') {
      return `the TLS handshake failed (${code})`;
    }
  }
  return `the request failed: ${error instanceof Error ? error.message : String(error)}`;
}
