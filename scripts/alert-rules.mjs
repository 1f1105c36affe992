// Reads the alerts of infra/prometheus/alerts.yml without a YAML library, for
// scripts/check-observability.mjs (plain Node, before any install) and the system tests. The file
// keeps one shape: `- alert: Name`, then `expr:` on one line or as a `|` block; promtool checks it
// as Prometheus reads it. An alert read without its expression throws rather than being skipped.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ALERTS_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', 'infra', 'prometheus', 'alerts.yml');

/** Every alert of the file, in order, as `{ name, expr }` with the expression's text trimmed. */
export function readAlertRules(text = readFileSync(ALERTS_FILE, 'utf8')) {
  const lines = text.split('\n');
  const alerts = [];
  const unfinished = () => alerts.find((alert) => alert.expr === undefined);
  for (let at = 0; at < lines.length; at += 1) {
    const named = /^\s*- alert:\s*(\S+)/.exec(lines[at]);
    if (named) {
      if (unfinished()) throw new Error(`alert ${unfinished().name} has no expr`);
      alerts.push({ name: named[1], expr: undefined });
      continue;
    }
    const expr = /^(\s*)expr:\s*(.*)$/.exec(lines[at]);
    const alert = unfinished();
    if (!expr || !alert) continue;
    let body = expr[2];
    if (body === '|' || body === '>') {
      const block = [];
      while (at + 1 < lines.length && (lines[at + 1].trim() === '' || lines[at + 1].search(/\S/) > expr[1].length)) {
        at += 1;
        block.push(lines[at]);
      }
      body = block.join('\n');
    }
    if (body.trim() === '') throw new Error(`alert ${alert.name} has an empty expr`);
    alert.expr = body.trim();
  }
  if (unfinished()) throw new Error(`alert ${unfinished().name} has no expr`);
  return alerts;
}
