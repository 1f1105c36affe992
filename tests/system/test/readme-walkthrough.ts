// Reads the README's walk-through as a list of shell commands, with what each is expected to
// answer. The README states the same convention in a comment above its walk-through:
//
// - Only ```sh blocks under the "Walk-through" and "grpcurl" headings are commands, run in order in
//   one bash session (so `KEY=...` set in one block is there in the next).
// - A command is a line, continued by a trailing `\` or by a quote still open at its end.
// - A comment at the end of a command's last line that starts with an HTTP status (`# 405, Allow:
//   ...`) is the status every curl in it must answer; otherwise every status must be 2xx. A note
//   that says `Ctrl-C` marks a command that runs until it is interrupted (a live stream).
// - Comment lines directly under a command (no blank line between) show its answer, `…` standing
//   for anything (a comma beside it included); the shown parts appear in the answer in that order.
//   Whitespace outside quoted strings does not count.
// - A placeholder `prefix_…` in a command (`mnd_…`, `ent_…`) is the value the latest answer shown
//   with that placeholder had there: `{"id":"ent_…",…}` under a payment makes `ent_…` that payment.
import { readFileSync } from 'node:fs';

export interface WalkthroughCommand {
  /** The command's text as written, continuation lines included. */
  text: string;
  /** README line the command starts on (1-based), for failure messages. */
  line: number;
  /** HTTP statuses every curl in it must answer; empty: any 2xx. */
  statuses: number[];
  /** Runs until interrupted (its note says Ctrl-C). */
  untilInterrupted: boolean;
  /** The answer the README shows for it, if any. */
  expectation?: string;
}

const SECTIONS = new Set(['Walk-through', 'grpcurl']);
/** `mnd_…`, `ent_…`, `bsk_…`: an id the README cannot know in advance. */
export const PLACEHOLDER = /(?<![A-Za-z0-9])([a-z]{2,4}_)…/g;

/** The README's walk-through commands, in order. */
export function readWalkthrough(readmePath: string): WalkthroughCommand[] {
  const lines = readFileSync(readmePath, 'utf8').split('\n');
  const commands: WalkthroughCommand[] = [];
  let section = '';
  let inBlock = false;
  let current: { lines: string[]; start: number } | undefined;
  let last: WalkthroughCommand | undefined;
  let expecting = false;

  const finish = () => {
    if (!current) return;
    const text = current.lines.join('\n');
    const note = trailingComment(text);
    const status = note ? /^(\d{3})\b/.exec(note.trim()) : null;
    last = {
      text,
      line: current.start,
      statuses: status ? [Number(status[1])] : [],
      untilInterrupted: note?.includes('Ctrl-C') ?? false,
    };
    commands.push(last);
    current = undefined;
    expecting = true;
  };

  lines.forEach((line, index) => {
    const heading = /^##\s+(.*)$/.exec(line);
    if (heading && !inBlock) {
      section = heading[1]?.trim() ?? '';
      return;
    }
    if (!SECTIONS.has(section)) return;
    if (line.startsWith('```')) {
      if (inBlock) finish();
      inBlock = !inBlock && line.trim() === '```sh';
      expecting = false;
      return;
    }
    if (!inBlock) return;
    if (current) {
      current.lines.push(line);
      if (!continues(current.lines.join('\n'))) finish();
      return;
    }
    if (line.trim() === '') {
      expecting = false;
      return;
    }
    if (line.trimStart().startsWith('#')) {
      if (expecting && last) {
        const shown = line.trimStart().replace(/^#\s?/, '');
        last.expectation = last.expectation === undefined ? shown : `${last.expectation}\n${shown}`;
      }
      return;
    }
    current = { lines: [line], start: index + 1 };
    if (!continues(line)) finish();
  });
  return commands;
}

/** Whether a command goes on to the next line: a trailing backslash, or a quote left open. */
function continues(text: string): boolean {
  return scan(text).open || /\\$/.test(text);
}

/** The comment after the command on its last line, if any. */
function trailingComment(text: string): string | undefined {
  const { commentAt } = scan(text);
  return commentAt === undefined ? undefined : text.slice(commentAt + 1);
}

/** A shell-ish scan: single and double quotes, backslash escapes, `#` starting a word. */
function scan(text: string): { open: boolean; commentAt?: number } {
  let quote: '"' | "'" | undefined;
  let commentAt: number | undefined;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (commentAt !== undefined) {
      if (char === '\n') commentAt = undefined;
      continue;
    }
    if (quote === "'") {
      if (char === "'") quote = undefined;
    } else if (char === '\\') {
      i += 1;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) {
      commentAt = i;
    }
  }
  return { open: quote !== undefined, commentAt };
}

/** Drops whitespace outside double-quoted strings, so pretty and compact JSON compare alike. */
export function squeeze(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] as string;
    if (inString) {
      out += char;
      if (char === '\\') out += text[++i] ?? '';
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
      out += char;
    } else if (!/\s/.test(char)) {
      out += char;
    }
  }
  return out;
}

/** A README expectation as a pattern: `…` matches anything, `mnd_…` an id it captures. */
export function expectationPattern(expectation: string): { pattern: RegExp; placeholders: string[] } {
  const placeholders: string[] = [];
  // `,…` and `…,` read as `…`: "and maybe more" whether or not there is more.
  const source = squeeze(expectation).replace(/,?…,?/g, '…')
    .split(/((?<![A-Za-z0-9])[a-z]{2,4}_…|…)/)
    .map((part) => {
      if (part === '…') return '[\\s\\S]*?';
      const placeholder = /^([a-z]{2,4}_)…$/.exec(part);
      if (placeholder) {
        placeholders.push(part);
        return `(${placeholder[1]}[A-Za-z0-9_-]+)`;
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return { pattern: new RegExp(source), placeholders };
}
