// The one rule for text a caller writes in their own words: descriptions, names, reasons and
// metadata values. The gateway states it in its JSON Schemas (the patterns below, so the OpenAPI
// document says exactly what is accepted) and every service and workflow validator runs the
// functions below, so a request that bypasses the gateway (gRPC, a Temporal Update) meets the
// same rule. docs/architecture.md ("Free text: one rule") says what is refused and why.

/** Every description on the platform (line items, mandates, webhook endpoints, ledger adjustment reasons). */
export const DESCRIPTION_MAX_CHARS = 500;

// What String.prototype.trim() removes: text is trimmed before it is judged and stored.
const TRIMMED = '\\u0009-\\u000d\\u0020\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
// Refused anywhere in the (trimmed) text: C0 controls but tab and line feed, DEL, C1 controls.
// Unpaired surrogates are refused too (characterProblem), but not by these patterns: a surrogate
// range is valid ECMAScript with the `u` flag, yet test generators such as schemathesis cannot use
// it, so the gateway refuses an unpaired surrogate in any JSON body string before its schemas run.
const REFUSED = '\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f';
const VISIBLE = `[^${TRIMMED}${REFUSED}]`;

/**
 * JSON Schema `pattern` of trimmed free text (unpaired surrogates aside, see above): edges that trim() removes
 * around a core that starts and ends with a visible character and holds no refused character.
 */
export const FREE_TEXT_PATTERN = `^[${TRIMMED}]*${VISIBLE}([^${REFUSED}]*${VISIBLE})?[${TRIMMED}]*$`;

/** JSON Schema `pattern` of a text value kept as sent (a metadata value): no refused character, may be empty. */
export const TEXT_VALUE_PATTERN = `^[^${REFUSED}]*$`;

const REFUSED_CHARACTER = new RegExp(`[${REFUSED}]`, 'u');

/** What the messages say the rule is, for errors and schema descriptions alike. */
export const CHARACTER_RULE = 'no control characters other than tab and line feed, and no unpaired surrogates';

export type FreeTextCheck = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly message: string };

/** Characters as a person counts them (code points), as JSON Schema's maxLength does. */
export function charCount(text: string): number {
  let count = 0;
  for (const _char of text) count += 1;
  return count;
}

/** Why `text` breaks the character rule, or undefined when it does not. */
export function characterProblem(text: string): string | undefined {
  if (!text.isWellFormed()) return 'must be valid Unicode: it holds an unpaired surrogate';
  const found = REFUSED_CHARACTER.exec(text);
  if (found === null) return undefined;
  const code = found[0].codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0');
  return `must not contain control characters other than tab and line feed (found U+${code})`;
}

/**
 * Free text as a person writes it (a description, a name, a reason): trimmed, then at least one
 * character and at most `maxChars`, and no refused character. The checked text is the trimmed one,
 * which is what is stored. `optional`: an empty value is accepted as "none" (the result is '');
 * a value of only spaces is still refused.
 */
export function checkFreeText(value: string, options: { maxChars: number; optional?: boolean }): FreeTextCheck {
  const text = value.trim();
  if (text === '') {
    if (options.optional === true && value === '') return { ok: true, text };
    return { ok: false, message: value === '' ? 'is required' : 'must not be blank' };
  }
  if (charCount(text) > options.maxChars) return { ok: false, message: `must be at most ${options.maxChars} characters` };
  const problem = characterProblem(text);
  return problem === undefined ? { ok: true, text } : { ok: false, message: problem };
}

/** A text value kept exactly as sent (a metadata value): at most `maxChars`, may be empty, no refused character. */
export function checkTextValue(value: string, maxChars: number): FreeTextCheck {
  if (charCount(value) > maxChars) return { ok: false, message: `must be at most ${maxChars} characters` };
  const problem = characterProblem(value);
  return problem === undefined ? { ok: true, text: value } : { ok: false, message: problem };
}
