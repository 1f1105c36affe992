import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { toolEnv } from './env.ts';

export const repoRoot = resolve(import.meta.dirname, '../../..');

/**
 * Finds a tool the bootstrap installed (temporal, grpcurl): the explicit variable first, then
 * the shared tools cache, then PATH.
 */
export function toolPath(name: 'temporal' | 'grpcurl'): string {
  const env = toolEnv();
  const explicit = name === 'temporal' ? env.TEMPORAL_CLI : env.GRPCURL;
  if (explicit) return explicit;
  const toolsDir = env.BILLING_TOOLS_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'billing-platform');
  const cached = join(toolsDir, 'bin', name);
  return existsSync(cached) ? cached : name;
}
