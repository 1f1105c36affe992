import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newAdminApiKey } from './stack.ts';

/**
 * The platform key `npm start` gives the gateway: BILLING_ADMIN_API_KEY when set; otherwise the
 * one kept in `<dataDir>/admin-api-key`, made once (owner-only, 0600) so it survives restarts
 * and the README's walk-through can read it with `cat`.
 */
export async function adminKeyFor(dataDir: string, fromEnv: string | undefined): Promise<{ key: string; file?: string }> {
  if (fromEnv !== undefined) return { key: fromEnv };
  const file = join(dataDir, 'admin-api-key');
  try {
    const kept = (await readFile(file, 'utf8')).trim();
    if (kept.length < 32) throw new Error(`${file} holds no usable key (under 32 characters): delete it to have a new one made`);
    // A copy restored from a backup may have lost its mode; the key is a secret either way.
    await chmod(file, 0o600);
    return { key: kept, file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const key = newAdminApiKey();
  // 'wx': never overwrite a key another start wrote meanwhile.
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return { key, file };
}
