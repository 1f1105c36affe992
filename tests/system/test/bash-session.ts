import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * One real bash process that runs commands one after another, as a user types them into a
 * terminal: a variable one command sets is there for the next. Each command's output goes to
 * files of its own; bash reports its exit status on its stdout.
 */
export class BashSession {
  private readonly bash: ChildProcessWithoutNullStreams;
  private buffer = '';
  private waiting?: { marker: string; resolve: (line: string) => void };
  private count = 0;
  private readonly options: { cwd: string; env: NodeJS.ProcessEnv; outputDir: string };

  constructor(options: { cwd: string; env: NodeJS.ProcessEnv; outputDir: string }) {
    this.options = options;
    // Its own process group, so stop() ends whatever it left running in the background too.
    this.bash = spawn('bash', ['--noprofile', '--norc'], { cwd: options.cwd, env: options.env, detached: true });
    this.bash.stdout.setEncoding('utf8');
    this.bash.stdout.on('data', (chunk: string) => {
      this.buffer += chunk;
      const waiting = this.waiting;
      if (!waiting) return;
      const at = this.buffer.indexOf(waiting.marker);
      const end = at >= 0 ? this.buffer.indexOf('\n', at) : -1;
      if (end < 0) return;
      const line = this.buffer.slice(at + waiting.marker.length, end).trim();
      this.buffer = this.buffer.slice(end + 1);
      this.waiting = undefined;
      waiting.resolve(line);
    });
    this.bash.stderr.resume();
  }

  private files() {
    this.count += 1;
    return { out: join(this.options.outputDir, `${this.count}.out`), err: join(this.options.outputDir, `${this.count}.err`) };
  }

  private send(script: string, marker: string, timeoutMs: number): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from bash within ${timeoutMs} ms`)), timeoutMs);
      this.waiting = { marker, resolve: (line) => { clearTimeout(timer); resolve(line); } };
      this.bash.stdin.write(script);
    });
  }

  private async result(files: { out: string; err: string }, exitCode: number): Promise<CommandResult> {
    return { exitCode, stdout: await readFile(files.out, 'utf8'), stderr: await readFile(files.err, 'utf8') };
  }

  /** Runs a command in the session and waits for it to end. */
  async run(command: string, timeoutMs = 60_000): Promise<CommandResult> {
    const files = this.files();
    const marker = `__done_${this.count}__`;
    const rc = await this.send(`{\n${command}\n} >'${files.out}' 2>'${files.err}' </dev/null; echo "${marker} $?"\n`, marker, timeoutMs);
    return this.result(files, Number(rc));
  }

  /**
   * Runs a command that runs until interrupted (a live stream) until `done(stdout)` says it has
   * shown enough, then interrupts it as Ctrl-C would: SIGINT to its process group.
   */
  async runUntil(command: string, done: (stdout: string) => boolean, timeoutMs = 30_000): Promise<CommandResult> {
    const files = this.files();
    const started = `__started_${this.count}__`;
    const marker = `__done_${this.count}__`;
    // Job control gives the command a process group of its own, which a SIGINT can reach.
    const pid = Number(await this.send(`set -m\n{\n${command}\n} >'${files.out}' 2>'${files.err}' </dev/null &\necho "${started} $!"\nset +m\n`, started, 10_000));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !done(await readFile(files.out, 'utf8').catch(() => ''))) await sleep(200);
    try {
      process.kill(-pid, 'SIGINT');
    } catch {
      // It ended by itself.
    }
    const rc = await this.send(`wait ${pid}; echo "${marker} $?"\n`, marker, 10_000);
    return this.result(files, Number(rc));
  }

  stop(): void {
    try {
      if (this.bash.pid) process.kill(-this.bash.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
