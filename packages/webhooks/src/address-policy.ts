// Which webhook URLs and addresses may be called. By default only `https` URLs whose host resolves
// to public unicast addresses: never loopback, private, link-local (cloud metadata), carrier-grade
// NAT, multicast, reserved or unspecified ranges, in IPv4 or IPv6 (including IPv4-mapped IPv6).
// The same address check runs when a URL is registered and again on every connection, so a name
// that later resolves to a private address (DNS rebinding) is refused at connect time.
import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

export interface AddressPolicy {
  /** `WEBHOOK_ALLOW_PRIVATE_URLS=true`: `http` and any address are allowed (local development). */
  allowPrivate: boolean;
}

export class WebhookUrlError extends Error {
  override readonly name = 'WebhookUrlError';
}

/** True when `address` (an IP literal) is a public unicast address. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range() === 'unicast';
}

/** Refuses an address the policy does not allow; used by the connection's own DNS lookup. */
export function checkAddress(address: string, policy: AddressPolicy): void {
  if (policy.allowPrivate) return;
  if (!isPublicAddress(address)) {
    throw new WebhookUrlError(`webhook address ${address} is not a public address`);
  }
}

/** Parses a URL and checks its form: scheme, no credentials, a host. Does not resolve it. */
export function parseWebhookUrl(raw: string, policy: AddressPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError('url must be an absolute URL');
  }
  const schemes = policy.allowPrivate ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) {
    throw new WebhookUrlError(policy.allowPrivate ? 'url must use https or http' : 'url must use https');
  }
  if (url.username || url.password) throw new WebhookUrlError('url must not carry credentials');
  if (!url.hostname) throw new WebhookUrlError('url must name a host');
  return url;
}

type Resolve = (hostname: string) => Promise<string[]>;

const resolveAll: Resolve = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Checks a URL at registration: its form, then every address its host resolves to. A host that
 * does not resolve is refused too (a typo should not be registered silently).
 */
export async function checkWebhookUrl(raw: string, policy: AddressPolicy, resolve: Resolve = resolveAll): Promise<URL> {
  const url = parseWebhookUrl(raw, policy);
  if (policy.allowPrivate) return url;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  if (ipaddr.isValid(host)) {
    addresses = [host];
  } else {
    try {
      addresses = await resolve(host);
    } catch {
      throw new WebhookUrlError(`url host ${host} does not resolve`);
    }
  }
  if (addresses.length === 0) throw new WebhookUrlError(`url host ${host} does not resolve`);
  for (const address of addresses) checkAddress(address, policy);
  return url;
}
