import { homedir } from 'node:os';
import { join } from 'node:path';

/** The shared tools cache (the bootstrap's), where the test server is installed outside the clone. */
export function toolsDir(source: Record<string, string | undefined> = process.env): string {
  return source.BILLING_TOOLS_DIR ?? join(source.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'billing-platform');
}
