import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineItemId } from './line-item-id.ts';

/** RFC 9562 UUIDv5 computed here from node:crypto, as an independent reference. */
function referenceV5(name: string, namespace: string): string {
  const hash = createHash('sha1').update(Buffer.from(namespace.replaceAll('-', ''), 'hex')).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  return hash.subarray(0, 16).toString('hex');
}

describe('lineItemId', () => {
  it('gives the same item on the same bill the same id, every time', () => {
    fc.assert(fc.property(fc.string(), fc.string({ minLength: 1, maxLength: 255 }), (billId, key) => {
      const id = lineItemId(billId, key);
      expect(id).toMatch(/^li_[0-9a-f]{32}$/);
      expect(lineItemId(billId, key)).toBe(id);
    }));
  });

  it('gives every idempotency key on a bill its own id', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 255 }), { minLength: 2, maxLength: 200 }), (keys) => {
      expect(new Set(keys.map((key) => lineItemId('bill_0c3b', key))).size).toBe(keys.length);
    }));
  });

  it('gives the same key on two bills two ids, however the bill id and key are split', () => {
    expect(lineItemId('bill_1', 'k')).not.toBe(lineItemId('bill_2', 'k'));
    expect(lineItemId('bill_1|', 'k')).not.toBe(lineItemId('bill_1', '|k'));
    expect(lineItemId('bill_1","', 'k')).not.toBe(lineItemId('bill_1', '","k'));
  });

  it('is a name-based UUID (v5) of the bill id and key, unicode included', () => {
    const namespace = 'a2890f17-67c9-42ff-9eba-144635ccdfca';
    for (const [billId, key] of [['bill_1', 'a'], ['bill_ü', 'clé 🔑'], ['', "'; DROP TABLE line_items; --"]] as const) {
      expect(lineItemId(billId, key)).toBe(`li_${referenceV5(JSON.stringify([billId, key]), namespace)}`);
    }
  });
});
