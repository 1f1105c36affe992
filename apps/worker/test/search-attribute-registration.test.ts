// The workflow fails its task on a search attribute the server does not know, so every place that
// registers them must register exactly what the workflow sets, with the same types.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { billSearchAttributes } from '@billing/bills';
import { repoRoot, SEARCH_ATTRIBUTES } from '@billing/devstack';
import { mandateSearchAttributes } from '@billing/mandates';
import { expect, it } from 'vitest';

/** `BillItemCount` → `Int`: how the Temporal CLI names a typed key's type. */
const expected = Object.fromEntries([...Object.values(billSearchAttributes), ...Object.values(mandateSearchAttributes)]
  .map((key) => [key.name, key.type.charAt(0) + key.type.slice(1).toLowerCase()]));

it('registers with the dev server (npm start, tests) exactly the search attributes the bill and mandate workflows set', () => {
  expect(SEARCH_ATTRIBUTES).toEqual(expected);
});

it('registers with compose exactly the search attributes the bill and mandate workflows set', async () => {
  const script = await readFile(join(repoRoot, 'infra/temporal/register-search-attributes.sh'), 'utf8');
  const list = /ATTRIBUTES="\$\{BILL_SEARCH_ATTRIBUTES:-([^}]*)\}"/.exec(script)?.[1];
  expect(list).toBeDefined();
  const registered = Object.fromEntries((list ?? '').split(/\s+/).filter(Boolean).map((pair) => pair.split(':')));
  expect(registered).toEqual(expected);
});
