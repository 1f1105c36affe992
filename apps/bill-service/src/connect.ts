import type { ServiceImpl } from '@connectrpc/connect';
import type { BillService } from '@billing/contracts';
import type { Client } from '@temporalio/client';
import type { Db } from '@billing/db';
import type { Logger } from '@billing/runtime';
import type { BillServiceEnv } from './env.ts';

export interface BillServiceDeps {
  db: Db;
  temporal: Client;
  env: BillServiceEnv;
  logger: Logger;
}

/** billing.v1.BillService; the bill RPCs land with issue 3 (unimplemented until then). */
export function createBillService(_deps: BillServiceDeps): Partial<ServiceImpl<typeof BillService>> {
  return {};
}
