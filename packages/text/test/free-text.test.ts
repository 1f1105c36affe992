import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FREE_TEXT_PATTERN, TEXT_VALUE_PATTERN, charCount, checkFreeText, checkTextValue } from '../src/index.ts';

const freeText = new RegExp(FREE_TEXT_PATTERN, 'u');
const textValue = new RegExp(TEXT_VALUE_PATTERN, 'u');
const LONG = { maxChars: Number.MAX_SAFE_INTEGER };

// Characters on both sides of every edge of the rule, mixed with ordinary text.
const EDGES = [
  '\u0000', '\u0007', '\u0008', '\t', '\n', '\u000b', '\u000c', '\r', '\u001f', ' ', '~', '\u007f', '\u0080', '\u0085',
  '\u009f', '\u00a0', 'é', '\u2028', '\u200b', '\u202e', '\ufeff', '\ud800', '\udfff', '\ud83d\ude00', '😀', 'a', 'Z',
];
const hostile = fc.array(fc.oneof(fc.constantFrom(...EDGES), fc.string({ unit: 'binary', maxLength: 3 })), { maxLength: 12 })
  .map((parts) => parts.join(''));

describe('free text', () => {
  it('accepts what a person writes: letters of any script, emoji, tabs and line breaks inside', () => {
    for (const text of ['Consulting, March', 'Überweisung für März', '請求書', 'Fee 😀', 'line one\nline two', 'a\tb', 'It\'s; DROP TABLE x--']) {
      expect(checkFreeText(text, LONG)).toEqual({ ok: true, text });
    }
  });

  it('stores the text trimmed', () => {
    expect(checkFreeText('  \r\n hosting \t\u00a0', LONG)).toEqual({ ok: true, text: 'hosting' });
  });

  it('refuses NUL, other C0 and C1 control characters, DEL and carriage return inside the text', () => {
    for (const char of ['\u0000', '\u0001', '\u001b', '\r', '\u000b', '\u007f', '\u0080', '\u0085', '\u009f']) {
      const check = checkFreeText(`a${char}b`, LONG);
      expect(check.ok, JSON.stringify(char)).toBe(false);
      if (!check.ok) expect(check.message).toMatch(/control characters other than tab and line feed \(found U\+00[0-9A-F]{2}\)/);
    }
  });

  it('refuses an unpaired surrogate, high or low, but not a pair', () => {
    expect(checkFreeText('a\ud800b', LONG)).toEqual({ ok: false, message: 'must be valid Unicode: it holds an unpaired surrogate' });
    expect(checkFreeText('a\udc00', LONG).ok).toBe(false);
    expect(checkFreeText('a\ud83d\ude00', LONG).ok).toBe(true);
  });

  it('refuses an empty or blank text unless an empty one is optional', () => {
    expect(checkFreeText('', LONG)).toEqual({ ok: false, message: 'is required' });
    expect(checkFreeText(' \t\n', LONG)).toEqual({ ok: false, message: 'must not be blank' });
    expect(checkFreeText('', { ...LONG, optional: true })).toEqual({ ok: true, text: '' });
    expect(checkFreeText('  ', { ...LONG, optional: true }).ok).toBe(false);
  });

  it('counts characters, not UTF-16 units, against the limit', () => {
    expect(checkFreeText('😀'.repeat(3), { maxChars: 3 }).ok).toBe(true);
    expect(checkFreeText('😀'.repeat(4), { maxChars: 3 })).toEqual({ ok: false, message: 'must be at most 3 characters' });
    expect(charCount('a😀é')).toBe(3);
  });

  it('says in its JSON Schema pattern exactly what the check accepts, unpaired surrogates aside', () => {
    fc.assert(fc.property(hostile, (text) => {
      // Unpaired surrogates are the one thing the pattern leaves to the gateway's body check.
      expect(freeText.test(text) && text.isWellFormed()).toBe(checkFreeText(text, LONG).ok);
    }), { numRuns: 2_000 });
  });
});

describe('a text value kept as sent', () => {
  it('keeps spaces and accepts an empty value', () => {
    expect(checkTextValue('  eu-west ', 40)).toEqual({ ok: true, text: '  eu-west ' });
    expect(checkTextValue('', 40)).toEqual({ ok: true, text: '' });
  });

  it('refuses the same characters as free text', () => {
    expect(checkTextValue('a\u0000', 40).ok).toBe(false);
    expect(checkTextValue('\u0085', 40).ok).toBe(false);
    expect(checkTextValue('\udfff', 40).ok).toBe(false);
    expect(checkTextValue('abc', 2)).toEqual({ ok: false, message: 'must be at most 2 characters' });
  });

  it('says in its JSON Schema pattern exactly what the check accepts', () => {
    fc.assert(fc.property(hostile, (text) => {
      expect(textValue.test(text) && text.isWellFormed()).toBe(checkTextValue(text, Number.MAX_SAFE_INTEGER).ok);
    }), { numRuns: 2_000 });
  });
});
