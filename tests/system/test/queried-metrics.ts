import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAlertRules } from '../../../scripts/alert-rules.mjs';

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

/** Every alert's expression in alerts.yml. */
export function alertQueries(): Query[] {
  return readAlertRules().map((alert) => ({ source: `alert ${alert.name}`, origin: 'alerts', expr: alert.expr }));
}
