import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The metric names the shipped Grafana dashboards (infra/grafana/dashboards) and the Prometheus
 * alerts (infra/prometheus/alerts.yml) query, read from those files so the list cannot drift from
 * what an operator actually sees or is paged by.
 */

const infra = join(import.meta.dirname, '..', '..', '..', 'infra');

export interface Query {
  /** `dashboard <uid>: <panel title>` or `alert <name>`. */
  source: string;
  /** The dashboard's uid, or `alerts`. */
  origin: string;
  expr: string;
}

/** Words of PromQL that are not metric names: operators, modifiers, literals. */
const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right',
  'offset', 'bool', 'inf', 'nan', 'atan2']);

/**
 * The metric names one PromQL expression selects. Strings, label matchers (`{...}`), ranges and
 * subqueries (`[...]`) are dropped first; of the identifiers left, a name followed by `(` is a
 * function or an aggregation, one inside the parentheses after `by`, `without`, `on`, `ignoring`
 * or `group_left/right` is a label, and every other one is a metric.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ');
  const names = new Set<string>();
  for (const match of bare.matchAll(/(?<![\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, name, call] = match as unknown as [string, string, string | undefined];
    if (call || KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

interface Panel {
  title?: string;
  type?: string;
  targets?: Array<{ expr?: string }>;
  panels?: Panel[];
}

/** Every Prometheus query of every panel (rows' nested panels too) of every shipped dashboard. */
export function dashboardQueries(): Query[] {
  const directory = join(infra, 'grafana', 'dashboards');
  return readdirSync(directory).filter((file) => file.endsWith('.json')).flatMap((file) => {
    const dashboard = JSON.parse(readFileSync(join(directory, file), 'utf8')) as { uid: string; panels: Panel[] };
    const panels = (list: Panel[]): Panel[] => list.flatMap((panel) => [panel, ...panels(panel.panels ?? [])]);
    return panels(dashboard.panels).flatMap((panel) => (panel.targets ?? [])
      .filter((target) => target.expr !== undefined)
      .map((target) => ({ source: `dashboard ${dashboard.uid}: ${panel.title}`, origin: dashboard.uid, expr: target.expr as string })));
  });
}

/**
 * Every alert's `expr` in alerts.yml. The file keeps one shape (`- alert: Name`, then `expr:` on
 * one line or as a `|` block), which this reads without a YAML library; promtool, run by
 * scripts/check-compose.sh, checks the file as Prometheus reads it. A rule read without its
 * expression throws rather than being skipped.
 */
export function alertQueries(): Query[] {
  const lines = readFileSync(join(infra, 'prometheus', 'alerts.yml'), 'utf8').split('\n');
  const queries: Query[] = [];
  let alert: string | undefined;
  for (let at = 0; at < lines.length; at += 1) {
    const line = lines[at] as string;
    const named = /^\s*- alert:\s*(\S+)/.exec(line);
    if (named) {
      if (alert) throw new Error(`alert ${alert} has no expr`);
      alert = named[1];
      continue;
    }
    const expr = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!expr || !alert) continue;
    const [, indent, rest] = expr as unknown as [string, string, string];
    let text = rest;
    if (rest === '|' || rest === '>') {
      const block: string[] = [];
      while (at + 1 < lines.length && (/^\s*$/.test(lines[at + 1] as string) || (lines[at + 1] as string).search(/\S/) > indent.length)) {
        at += 1;
        block.push(lines[at] as string);
      }
      text = block.join('\n');
    }
    if (text.trim() === '') throw new Error(`alert ${alert} has an empty expr`);
    queries.push({ source: `alert ${alert}`, origin: 'alerts', expr: text.trim() });
    alert = undefined;
  }
  if (alert) throw new Error(`alert ${alert} has no expr`);
  return queries;
}
