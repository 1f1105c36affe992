// Starts the floor programs of this folder as child processes of the benchmark, so their CPU is
// read from /proc under their own labels ("bare front", "bare upstream", "bare store").
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

export type FloorProgram = 'bare-front' | 'bare-upstream' | 'bare-store';

/** Starts `program` with `args` and waits until it says it listens. */
export async function startFloorProcess(program: FloorProgram, args: readonly string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(import.meta.dirname, `${program}.ts`), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = await once(child.stdout!, 'data') as [Buffer];
  if (!chunk.toString().includes('listening')) throw new Error(`${program} did not start: ${chunk}`);
  return child;
}

/** Stops the processes and waits until each has exited. */
export async function stopFloorProcesses(processes: readonly ChildProcess[]): Promise<void> {
  await Promise.all(processes.map(async (child) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill();
    await exited;
  }));
}
