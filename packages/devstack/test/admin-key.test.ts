import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adminKeyFor, serviceTokenFor } from '../src/admin-key.ts';

describe('the admin key npm start gives the gateway', () => {
  const dirs: string[] = [];
  const freshDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'admin-key-'));
    dirs.push(dir);
    return join(dir, '.data');
  };
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('makes a key once, keeps it owner-only in admin-api-key, and gives the same key on the next start', async () => {
    const dataDir = await freshDir();
    const first = await adminKeyFor(dataDir, undefined);
    expect(first.key).toMatch(/^bsk_[A-Za-z0-9_-]{43}$/);
    expect(first.file).toBe(join(dataDir, 'admin-api-key'));
    expect((await readFile(join(dataDir, 'admin-api-key'), 'utf8')).trim()).toBe(first.key);
    expect((await stat(join(dataDir, 'admin-api-key'))).mode & 0o777).toBe(0o600);
    expect((await adminKeyFor(dataDir, undefined)).key).toBe(first.key);
  });

  it('uses BILLING_ADMIN_API_KEY when it is set, and writes no file', async () => {
    const dataDir = await freshDir();
    const chosen = 'an-operator-chosen-key-of-enough-length';
    expect(await adminKeyFor(dataDir, chosen)).toEqual({ key: chosen });
    await expect(stat(join(dataDir, 'admin-api-key'))).rejects.toThrow(/ENOENT/);
  });

  it('keeps the service token beside it the same way, a different secret', async () => {
    const dataDir = await freshDir();
    const token = await serviceTokenFor(dataDir, undefined);
    expect((await stat(join(dataDir, 'service-token'))).mode & 0o777).toBe(0o600);
    expect((await serviceTokenFor(dataDir, undefined)).key).toBe(token.key);
    expect(token.key).not.toBe((await adminKeyFor(dataDir, undefined)).key);
  });
});
