import { describe, expect, it } from 'vitest';
import { checkAddress, checkWebhookUrl, isPublicAddress, WebhookUrlError } from '../src/index.ts';

const strict = { allowPrivate: false };
const local = { allowPrivate: true };
const resolvesTo = (...addresses: string[]) => async () => addresses;

describe('webhook address policy', () => {
  it.each([
    '127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
    '224.0.0.1', '255.255.255.255', '::1', '::', 'fc00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'not-an-ip',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
    expect(() => checkAddress(address, strict)).toThrow(WebhookUrlError);
  });

  it.each(['93.184.215.14', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8'])('allows the public address %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
    expect(() => checkAddress(address, strict)).not.toThrow();
  });

  it('allows every address when private URLs are allowed', () => {
    expect(() => checkAddress('127.0.0.1', local)).not.toThrow();
  });

  it('takes only https public URLs by default', async () => {
    await expect(checkWebhookUrl('https://hooks.example.com/in', strict, resolvesTo('93.184.215.14'))).resolves.toBeInstanceOf(URL);
    await expect(checkWebhookUrl('http://hooks.example.com/in', strict, resolvesTo('93.184.215.14'))).rejects.toThrow(/https/);
    await expect(checkWebhookUrl('https://127.0.0.1/in', strict)).rejects.toThrow(/public/);
    await expect(checkWebhookUrl('https://[::1]/in', strict)).rejects.toThrow(/public/);
    await expect(checkWebhookUrl('https://user:pw@hooks.example.com/in', strict, resolvesTo('93.184.215.14'))).rejects.toThrow(/credentials/);
    await expect(checkWebhookUrl('hooks.example.com', strict)).rejects.toThrow(/absolute/);
    await expect(checkWebhookUrl('ftp://hooks.example.com', local)).rejects.toThrow(/https or http/);
  });

  it('refuses a name when any of its addresses is private', async () => {
    await expect(checkWebhookUrl('https://mixed.example.com', strict, resolvesTo('93.184.215.14', '10.0.0.5'))).rejects.toThrow(/10\.0\.0\.5/);
  });

  it('refuses a name that does not resolve', async () => {
    await expect(checkWebhookUrl('https://nowhere.invalid', strict, async () => { throw new Error('ENOTFOUND'); })).rejects.toThrow(/does not resolve/);
  });

  it('takes http and loopback when private URLs are allowed', async () => {
    await expect(checkWebhookUrl('http://127.0.0.1:4000/hook', local)).resolves.toBeInstanceOf(URL);
  });
});
