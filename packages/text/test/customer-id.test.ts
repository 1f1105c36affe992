import { describe, expect, it } from 'vitest';
import { CUSTOMER_ID_PATTERN, isCustomerId } from '../src/index.ts';

describe('the customer id rule', () => {
  it.each(['cus_42', 'a', 'A.b-c_9', 'x'.repeat(64)])('takes %j', (id) => {
    expect(isCustomerId(id)).toBe(true);
  });

  it.each(['', 'x'.repeat(65), 'cus 42', 'cus/42', 'ü', 'a\u0000b', "o'brien"])('refuses %j', (id) => {
    expect(isCustomerId(id)).toBe(false);
  });

  it('is the same rule as the JSON Schema pattern the REST API publishes', () => {
    for (const id of ['cus_42', 'cus/42', 'x'.repeat(65)]) {
      expect(new RegExp(CUSTOMER_ID_PATTERN, 'u').test(id)).toBe(isCustomerId(id));
    }
  });
});
