import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { toolPath } from './paths.ts';

const run = promisify(execFile);

export interface GrpcurlResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface GrpcurlOptions {
  /** Request body, sent as JSON with `-d`. */
  data?: unknown;
  /** Metadata sent with `-H name: value`. */
  headers?: Readonly<Record<string, string>>;
  /** grpcurl's own deadline for the call (`-max-time`); 10 s unless given. */
  maxTimeSeconds?: number;
}

/**
 * The one way tests run grpcurl: the binary the bootstrap installed (`GRPCURL`, else the tools
 * cache, else PATH: `toolPath`), against a plaintext server, the way an operator would:
 * `grpcurl(address, ['list'])`, `grpcurl(address, ['describe', 'pkg.Service'])`,
 * `grpcurl(address, ['pkg.Service/Method'], { data })`. A failing call is a result (grpcurl
 * exits non-zero), not an exception; a missing binary is an exception.
 */
export async function grpcurl(
  address: string,
  command: readonly string[],
  options: GrpcurlOptions = {},
): Promise<GrpcurlResult> {
  const flags = ['-plaintext', '-max-time', String(options.maxTimeSeconds ?? 10)];
  if (options.data !== undefined) flags.push('-d', JSON.stringify(options.data));
  for (const [name, value] of Object.entries(options.headers ?? {})) flags.push('-H', `${name}: ${value}`);
  try {
    const timeout = ((options.maxTimeSeconds ?? 10) + 5) * 1_000;
    const { stdout, stderr } = await run(toolPath('grpcurl'), [...flags, address, ...command], { timeout });
    return { stdout, stderr, exitCode: 0 };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; code?: number | string };
    if (typeof failed.code !== 'number') throw error;
    return { stdout: failed.stdout ?? '', stderr: failed.stderr ?? '', exitCode: failed.code };
  }
}
