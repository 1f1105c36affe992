// A file's handle on the chaos project's one stack (test/chaos-global-setup.ts): its addresses and
// secrets, and the kill, stop and start of one app, carried out by the process that owns the stack.
import { inject } from 'vitest';
import type { AppName } from '@billing/devstack';
import { APPS, type ChaosStackInfo } from './chaos-global-setup.ts';

export interface ChaosStack extends Omit<ChaosStackInfo, 'controlUrl'> {
  /** SIGKILL, mid-request; `startApp` brings it back. */
  killApp(name: AppName): Promise<void>;
  /** SIGTERM, and waits for it to exit. */
  stopApp(name: AppName): Promise<void>;
  /** Starts it (again) and waits until it is ready; nothing when it runs. */
  startApp(name: AppName): Promise<void>;
  /** The apps' last log lines, for a failure's message. */
  recentOutput(last?: number): Promise<string[]>;
}

export function chaosStack(): ChaosStack {
  const { controlUrl, ...info } = inject('chaosStack');
  const act = async (name: AppName, action: 'kill' | 'stop' | 'start') => {
    const response = await fetch(`${controlUrl}/apps/${name}/${action}`, { method: 'POST' });
    if (!response.ok) throw new Error(`${action} ${name}: ${response.status} ${await response.text()}`);
  };
  return {
    ...info,
    killApp: (name) => act(name, 'kill'),
    stopApp: (name) => act(name, 'stop'),
    startApp: (name) => act(name, 'start'),
    async recentOutput(last = 40) {
      return await (await fetch(`${controlUrl}/output?last=${last}`)).json() as string[];
    },
  };
}

/** Every app up again, whatever the last file left stopped. */
export async function startEveryApp(): Promise<void> {
  const stack = chaosStack();
  for (const name of APPS) await stack.startApp(name);
}
