#!/usr/bin/env node
// Checks the Grafana and Prometheus files of the compose stack for what their own tools cannot
// see without a running Grafana (scripts/check-compose.sh runs promtool and the collector's
// `validate` on the rest):
//   - every dashboard in infra/grafana/dashboards parses, has a unique uid, unique panel ids, and
//     every panel other than a row has a data source provisioned in
//     infra/grafana/provisioning/datasources and at least one query;
//   - infra/prometheus/prometheus.yml scrapes every app on its default metrics port
//     (METRICS_PORTS in packages/runtime), so a changed default cannot leave a target behind;
//   - docs/operations.md shows each alert of infra/prometheus/alerts.yml by name with the same
//     query, and no query of an alert the file does not have.
// Plain Node (no dependencies, any version CI has): exits 1 listing every finding.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAlertRules } from './alert-rules.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const read = (path) => readFileSync(join(root, path), 'utf8');
const findings = [];

// Data sources by uid, read from the provisioning file's `uid:` and `type:` keys (one per source).
const provisioned = new Map();
let pendingUid;
for (const line of read('infra/grafana/provisioning/datasources/datasources.yaml').split('\n')) {
  const uid = /^\s*uid:\s*(\S+)/.exec(line);
  if (uid) pendingUid = uid[1];
  const type = /^\s*type:\s*(\S+)/.exec(line);
  if (type && pendingUid) {
    provisioned.set(pendingUid, type[1]);
    pendingUid = undefined;
  }
}
if (provisioned.size === 0) findings.push('datasources.yaml provisions no data source with a uid and a type');

/** A panel's or target's data source: an object `{ type, uid }`; a bare string is a name, which breaks when renamed. */
function checkDatasource(where, datasource) {
  if (!datasource || typeof datasource !== 'object') {
    findings.push(`${where}: no data source (give { "type", "uid" } of a provisioned one)`);
    return;
  }
  const type = provisioned.get(datasource.uid);
  if (type === undefined) findings.push(`${where}: data source uid "${datasource.uid}" is not provisioned`);
  else if (datasource.type !== type) findings.push(`${where}: data source "${datasource.uid}" is a ${type}, not a ${datasource.type}`);
}

/** The query text of a target, whatever the data source kind calls it. */
const queryOf = (target) => target.expr ?? target.query ?? target.rawSql ?? '';

const uids = new Map();
const directory = 'infra/grafana/dashboards';
const files = readdirSync(join(root, directory)).filter((file) => file.endsWith('.json'));
if (files.length === 0) findings.push(`${directory} holds no dashboard`);
let panelCount = 0;
for (const file of files) {
  const path = `${directory}/${file}`;
  let dashboard;
  try {
    dashboard = JSON.parse(read(path));
  } catch (error) {
    findings.push(`${path}: not JSON (${error.message})`);
    continue;
  }
  if (!dashboard.uid || !dashboard.title) findings.push(`${path}: a dashboard needs a uid and a title`);
  if (uids.has(dashboard.uid)) findings.push(`${path}: uid "${dashboard.uid}" is also ${uids.get(dashboard.uid)}'s`);
  uids.set(dashboard.uid, path);
  const ids = new Set();
  const panels = (list) => (list ?? []).flatMap((panel) => [panel, ...panels(panel.panels)]);
  const all = panels(dashboard.panels);
  if (all.length === 0) findings.push(`${path}: no panels`);
  for (const panel of all) {
    const where = `${path} panel ${panel.id} "${panel.title}"`;
    if (typeof panel.id !== 'number' || ids.has(panel.id)) findings.push(`${where}: panel ids must be unique numbers`);
    ids.add(panel.id);
    if (!panel.gridPos) findings.push(`${where}: no gridPos`);
    if (panel.type === 'row') continue;
    panelCount += 1;
    checkDatasource(where, panel.datasource);
    const targets = panel.targets ?? [];
    if (targets.length === 0) findings.push(`${where}: no query`);
    const refIds = new Set();
    for (const target of targets) {
      if (refIds.has(target.refId)) findings.push(`${where}: refId ${target.refId} repeated`);
      refIds.add(target.refId);
      if (String(queryOf(target)).trim() === '') findings.push(`${where} query ${target.refId}: empty`);
      if (target.datasource !== undefined) checkDatasource(`${where} query ${target.refId}`, target.datasource);
    }
  }
}

// Every app's default metrics port is a scrape target of the job named after the app.
const ports = /METRICS_PORTS = \{([^}]*)\}/.exec(read('packages/runtime/src/variables.ts'));
const prometheus = read('infra/prometheus/prometheus.yml');
if (!ports) findings.push('METRICS_PORTS not found in packages/runtime/src/variables.ts');
for (const [, key, port] of ports ? ports[1].matchAll(/'?([\w-]+)'?:\s*(\d+)/g) : []) {
  const job = key === 'temporalSdk' ? 'temporal-sdk' : key;
  const host = key === 'temporalSdk' ? 'worker' : key;
  const block = new RegExp(`job_name: ${job}\\n\\s+static_configs:\\n\\s+- targets: \\["${host}:${port}"\\]`);
  if (!block.test(prometheus)) findings.push(`infra/prometheus/prometheus.yml: no job ${job} scraping ${host}:${port}`);
}

// Alerts: alerts.yml is the source; the docs' "What to alert on" must say the same.
const squash = (text) => text.replace(/\s+/g, ' ').trim();
let alerts = [];
try {
  alerts = readAlertRules().map((alert) => ({ name: alert.name, expr: squash(alert.expr) }));
} catch (error) {
  findings.push(`infra/prometheus/alerts.yml: ${error.message}`);
}
const docs = read('docs/operations.md');
const section = /## What to alert on\n([\s\S]*?)\n## /.exec(docs)?.[1] ?? '';
const documented = [...section.matchAll(/```promql\n([\s\S]*?)```/g)].map((match) => squash(match[1]));
if (alerts.length === 0) findings.push('infra/prometheus/alerts.yml: no alert read');
for (const alert of alerts) {
  if (!section.includes(`\`${alert.name}\``)) findings.push(`docs/operations.md "What to alert on" does not name ${alert.name}`);
  if (alert.expr && !documented.includes(alert.expr)) findings.push(`docs/operations.md does not show ${alert.name}'s query as alerts.yml has it: ${alert.expr}`);
}
for (const query of documented) {
  if (!alerts.some((alert) => alert.expr === query)) findings.push(`docs/operations.md shows an alert query alerts.yml does not have: ${query}`);
}

if (findings.length > 0) {
  for (const finding of findings) console.error(`FAIL: ${finding}`);
  process.exit(1);
}
console.log(`ok   ${files.length} dashboards, ${panelCount} panels (data source and query each); Prometheus scrapes every app's default port; ${alerts.length} alerts documented as alerts.yml has them`);
