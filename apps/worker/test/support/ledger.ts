// bill-service's LedgerService, built in this process over the test's PostgreSQL and served over
// real gRPC on loopback, the worker reaching it through its production port (grpcLedgerPosting).
// `down()` and `up()` stop and restart the server on the same port, as an outage would.
import { createLedgerService, databaseErrors, ledgerErrors } from '@billing/bill-service';
import { LedgerService } from '@billing/contracts';
import { billSums, type Db } from '@billing/db';
import { amountDue } from '@billing/ledger';
import { connectToService, createGrpcServer, serve, type GrpcServer } from '@billing/grpc-kit';
import { createClient, type Client } from '@connectrpc/connect';
import { BILL_SERVICE_CALL_TIMEOUT_MS } from '../../src/deadlines.ts';
import { grpcLedgerPosting, type LedgerPostingPort } from '../../src/ledger/ledger-posting.ts';

export interface TestLedger {
  /** What the worker posts through. */
  posting: LedgerPostingPort;
  /** A reader's client, for asserting on what the ledger holds. */
  client: Client<typeof LedgerService>;
  /** Stops the server: calls fail with `unavailable` until `up()`. */
  down(): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
}

// The services' shared secret, as in production: the worker's port must present it.
const SERVICE_TOKEN = 'worker-test-service-credential-0123456789';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

export async function startTestLedger(db: Db): Promise<TestLedger> {
  const listen = (port: number) => createGrpcServer({
    services: [serve(LedgerService, createLedgerService({ db }), { errorMappers: [ledgerErrors] })], errorMappers: [databaseErrors], logger: quiet, port, host: '127.0.0.1',
    serviceCredential: SERVICE_TOKEN,
  });
  let server: GrpcServer | undefined = await listen(0);
  const { port } = server;
  const url = `http://127.0.0.1:${port}`;
  // The worker's connection to bill-service, built as main.ts builds it.
  const billService = connectToService(url, { name: 'bill-service', timeoutMs: BILL_SERVICE_CALL_TIMEOUT_MS, serviceCredential: SERVICE_TOKEN });
  const posting = grpcLedgerPosting(billService.transport);
  const reader = connectToService(url, { serviceCredential: SERVICE_TOKEN });
  const client = createClient(LedgerService, reader.transport);
  return {
    posting,
    client,
    async down() {
      await server?.close();
      server = undefined;
    },
    async up() {
      server ??= await listen(port);
    },
    async stop() {
      billService.close();
      reader.close();
      await server?.close();
    },
  };
}

export interface EntryRow {
  id: string;
  type: string;
  bill_id: string | null;
  amount_minor: string;
  currency: string;
  reference: string | null;
  idempotency_key: string;
}

/** A customer's entries as stored, oldest first, with what the service's views leave out (bill_id). */
export async function entriesOf(db: Db, customerId: string): Promise<EntryRow[]> {
  return db('ledger_entries').where({ customer_id: customerId }).orderBy(['created_at', 'id'])
    .select('id', 'type', 'bill_id', 'amount_minor', 'currency', 'reference', 'idempotency_key') as Promise<EntryRow[]>;
}

/** What bill-service shows as a closed bill's `amountDue`, in minor units: the same sums and rule. */
export async function amountDueMinor(db: Db, billId: string): Promise<bigint> {
  const sums = (await billSums(db, [billId])).get(billId);
  return sums ? amountDue(sums) : 0n;
}
