import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { toolEnv } from './env.ts';
import { imageNodeFlags as imageFlags } from './image-command.ts';

export const repoRoot = resolve(import.meta.dirname, '../../..');

/** The module every app is started with (`--import`): it starts tracing when OTEL_* asks for it. */
export const telemetryRegister = pathToFileURL(join(repoRoot, 'packages/runtime/src/telemetry/register.ts')).href;

/**
 * Finds a tool the bootstrap installed (temporal, grpcurl, haproxy): the explicit variable first, then
 * the shared tools cache, then PATH.
 */
export function toolPath(name: 'temporal' | 'grpcurl' | 'haproxy'): string {
  const env = toolEnv();
  const explicit = { temporal: env.TEMPORAL_CLI, grpcurl: env.GRPCURL, haproxy: env.HAPROXY }[name];
  if (explicit) return explicit;
  const toolsDir = env.BILLING_TOOLS_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'billing-platform');
  const cached = join(toolsDir, 'bin', name);
  return existsSync(cached) ? cached : name;
}

/**
 * The Node and V8 flags an app's image starts it with (its Dockerfile's CMD), so that an app
 * started from source runs with the memory settings it has in production: the worker's smaller
 * young generation, for one (docs/operations.md).
 */
export function imageNodeFlags(app: string): string[] {
  return imageFlags(repoRoot, app);
}
