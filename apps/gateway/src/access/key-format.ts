import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

// What an API key looks like. `bsk_` ("billing secret key") lets secret scanners recognise a
// leaked key; the 32 random bytes after it (256 bits, base64url) make guessing hopeless, which is
// also why a plain SHA-256 is enough to store it: there is no low-entropy password to stretch.

export const KEY_PREFIX = 'bsk_';
const SECRET_BYTES = 32;
const KEY_PATTERN = /^bsk_[A-Za-z0-9_-]{43}$/;
/** How much of a key its `prefix` field shows: the marker and 8 characters, 48 of its 256 bits. */
const SHOWN_CHARS = KEY_PREFIX.length + 8;

export function newApiKey(): string {
  return `${KEY_PREFIX}${randomBytes(SECRET_BYTES).toString('base64url')}`;
}

/** Whether a presented value can be one of our issued keys at all (no lookup needed otherwise). */
export function isWellFormedKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}

export function keyHash(key: string): Buffer {
  // Every authenticated request hashes its key: the one-shot digest skips a Hash object each time.
  return hash('sha256', key, 'buffer');
}

/** Constant-time comparison of two key hashes. */
export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The part of a key shown in lists, to tell keys apart. */
export function shownPrefix(key: string): string {
  return key.slice(0, SHOWN_CHARS);
}

export function newKeyId(): string {
  return `key_${randomBytes(12).toString('hex')}`;
}

/**
 * The key in an `Authorization: Bearer <key>` header, or undefined when there is none or it is
 * not a Bearer credential (RFC 6750: the scheme is case-insensitive, one or more spaces follow).
 */
export function bearerKey(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1];
}
