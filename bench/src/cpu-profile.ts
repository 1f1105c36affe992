// Reads the V8 CPU profiles (`--cpu-prof`) the apps write when they exit and says where their
// time went: by app, by component (our workspace package or app, a dependency, Node itself) and
// by function. Self time only, so the shares add up to the app's CPU time.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { printTable } from './table.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

export interface Share {
  name: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  app: string;
  file: string;
  sampledMs: number;
  components: Share[];
  functions: Share[];
}

const APPS = ['gateway', 'bill-service', 'rates-service', 'worker'];

/** Which of our apps (or workspace programs) a profile came from: the one whose sources it ran most. */
function appOf(profile: CpuProfile): string {
  // The worker runs its workflows in a thread of their own, calling into the sandbox's context
  // (evaluated code has no file). Its main thread also names the bundle's file, when it loads it.
  if (profile.nodes.some((node) => node.callFrame.functionName === '__TEMPORAL_CALL_INTO_SCOPE')) return 'worker (workflow thread)';
  const hits = new Map<string, number>();
  for (const node of profile.nodes) {
    const match = /\/apps\/([\w-]+)\/src\//.exec(node.callFrame.url) ?? /\/(packages\/[\w-]+)\/src\/[\w-]+\.ts$/.exec(node.callFrame.url);
    if (match?.[1]) hits.set(match[1], (hits.get(match[1]) ?? 0) + 1 + (APPS.includes(match[1]) ? 1_000 : 0));
  }
  const app = [...hits].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'unknown';
  return app === 'worker' ? 'worker (main thread)' : app;
}

/** The component a function belongs to: a dependency by package name, our code by its folder. */
function componentOf(url: string): string {
  if (url === '') return '(V8 / native)';
  if (url.startsWith('node:')) return 'node core';
  const dependency = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency?.[1]) return dependency[1];
  const ours = /\/((?:apps|packages)\/[\w-]+)\//.exec(url);
  return ours?.[1] ?? url;
}

function top(totals: Map<string, number>, sampledMs: number, count: number): Share[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, ms]) => ({ name, ms: Math.round(ms), percent: Math.round((1000 * ms) / sampledMs) / 10 }));
}

export async function summariseProfiles(folder: string, count = 12): Promise<ProfileSummary[]> {
  const files = (await readdir(folder)).filter((name) => name.endsWith('.cpuprofile'));
  const summaries: ProfileSummary[] = [];
  for (const file of files) {
    const profile = JSON.parse(await readFile(join(folder, file), 'utf8')) as CpuProfile;
    const totalHits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
    if (totalHits === 0) continue;
    const msPerHit = (profile.endTime - profile.startTime) / 1000 / Math.max(totalHits, profile.samples?.length ?? 0);
    const byComponent = new Map<string, number>();
    const byFunction = new Map<string, number>();
    for (const node of profile.nodes) {
      const ms = (node.hitCount ?? 0) * msPerHit;
      if (ms === 0) continue;
      const { functionName, url, lineNumber } = node.callFrame;
      // Idle time is the event loop waiting, not work.
      if (functionName === '(idle)') continue;
      const component = componentOf(url);
      byComponent.set(component, (byComponent.get(component) ?? 0) + ms);
      const name = `${functionName || '(anonymous)'} ${component}${url ? `:${lineNumber + 1}` : ''}`;
      byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
    }
    const sampledMs = [...byComponent.values()].reduce((sum, ms) => sum + ms, 0);
    summaries.push({
      app: appOf(profile), file, sampledMs: Math.round(sampledMs),
      components: top(byComponent, sampledMs, count), functions: top(byFunction, sampledMs, count),
    });
  }
  return summaries.sort((a, b) => b.sampledMs - a.sampledMs);
}

export function printProfiles(profiles: readonly ProfileSummary[], folder: string): void {
  console.log(`\nCPU profiles (self time; the .cpuprofile files are in ${folder} for a flame graph in Chrome DevTools):`);
  for (const profile of profiles) {
    console.log(`\n${profile.app}: ${(profile.sampledMs / 1000).toFixed(1)} s of CPU sampled`);
    printTable(['component', 'ms', '%'], profile.components.map((share) => [share.name, String(share.ms), String(share.percent)]));
    printTable(['function', 'ms', '%'], profile.functions.slice(0, 8).map((share) => [share.name, String(share.ms), String(share.percent)]));
  }
}
