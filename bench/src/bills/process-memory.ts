// Resident memory of the stack's apps (this process's descendants), read from /proc (Linux):
// sampled while a load runs, so a run reports each app's peak RSS during it, beside the process's
// own high-water mark (VmHWM, which also counts what happened before the load).
import { readdir, readFile } from 'node:fs/promises';

const APP = /apps\/([a-z-]+)\/src\//;

/** The apps among this process's descendants (another run's stack on the same machine is not ours). */
async function appProcesses(): Promise<Array<{ pid: number; app: string }>> {
  const children = new Map<number, number[]>();
  const apps = new Map<number, string>();
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    const app = APP.exec((await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' '))?.[1];
    if (app) apps.set(Number(name), app);
  }
  const found: Array<{ pid: number; app: string }> = [];
  const queue = [process.pid];
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    const app = apps.get(pid);
    if (app) found.push({ pid, app });
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** Kibibytes of a `VmRSS:`-style line of /proc/<pid>/status. */
function statusKiB(status: string, field: string): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
}

/** Samples the RSS of the named apps; `sample()` as often as the run wants. */
export function processMemory(...apps: string[]) {
  const peak = new Map<string, number>();
  const current = new Map<string, number>();
  const highWater = new Map<string, number>();
  let pids: Array<{ pid: number; app: string }> | undefined;
  return {
    async sample(): Promise<void> {
      pids ??= (await appProcesses()).filter((entry) => apps.includes(entry.app));
      for (const { pid, app } of pids) {
        const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
        const rss = statusKiB(status, 'VmRSS') / 1024;
        if (Number.isNaN(rss)) continue;
        current.set(app, rss);
        peak.set(app, Math.max(peak.get(app) ?? 0, rss));
        highWater.set(app, statusKiB(status, 'VmHWM') / 1024);
      }
    },
    currentMiB: (app: string) => current.get(app) ?? Number.NaN,
    /** The highest RSS sampled per app, MiB. */
    peakMiB: (): Record<string, number> => Object.fromEntries([...peak].map(([app, mib]) => [app, Number(mib.toFixed(1))])),
    highWaterMiB: (app: string) => highWater.get(app) ?? Number.NaN,
  };
}
