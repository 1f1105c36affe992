import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateSecret, signedHeaders } from '../src/index.ts';

// Every signature is checked with the `standardwebhooks` package, an implementation we did not write.
describe('Standard Webhooks signatures', () => {
  const body = JSON.stringify({ id: 'evt_1', type: 'bill.closed', data: { total: { amount: '10.50', currency: 'USD' } } });
  const now = new Date();

  it('verifies with the secret as shown to the user', () => {
    const secret = generateSecret();
    expect(secret.display).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const headers = signedHeaders('evt_1', now, body, [secret.key]);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret.display).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('signs with every active secret during a rotation, so either one verifies', () => {
    const [old, current] = [generateSecret(), generateSecret()];
    const headers = signedHeaders('evt_1', now, body, [current.key, old.key]);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(old.display).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(current.display).verify(body, { ...headers })).not.toThrow();
  });

  it('fails to verify with another secret, another body or another id', () => {
    const secret = generateSecret();
    const headers = signedHeaders('evt_1', now, body, [secret.key]);
    expect(() => new Webhook(generateSecret().display).verify(body, { ...headers })).toThrow();
    expect(() => new Webhook(secret.display).verify(`${body} `, { ...headers })).toThrow();
    expect(() => new Webhook(secret.display).verify(body, { ...headers, 'webhook-id': 'evt_2' })).toThrow();
  });

  it('refuses to sign without a secret', () => {
    expect(() => signedHeaders('evt_1', now, body, [])).toThrow(/secret/);
  });
});
