import { createHash, randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import type { Client } from '@temporalio/client';
import {
  ApproveCollectionRequestSchema, ApproveCollectionResponseSchema, CancelMandateRequestSchema, CancelMandateResponseSchema,
  CreateMandateResponseSchema, GetMandateResponseSchema, ListCollectionsResponseSchema, ListMandatesResponseSchema,
  PauseMandateRequestSchema, PauseMandateResponseSchema, ResumeMandateRequestSchema, ResumeMandateResponseSchema,
  UpdateMandateRequestSchema, UpdateMandateResponseSchema, type MandateService,
} from '@billing/contracts';
import type { Db } from '@billing/db';
import { UPCOMING_DEFAULT, mandateWorkflowId, type MandateView, type MandateWorkflowInput } from '@billing/mandates';
import type { BillCurrencyPolicy } from '../bill-currencies.ts';
import { countPosition, decodeCursor, keysetPosition, pageLimit, pageOf } from '@billing/grpc-kit';
import { collectionMessage, mandateMessage } from '@billing/resources';
import { collectionMessageOfRow, mandateMessageOfRow, mandateStatusName, mandateViewOfRow } from './mandate-view.ts';
import { controlUpdateId } from './control-ids.ts';
import { mandateWorkflows } from './mandate-workflows.ts';
import { newMandateRow, sameTerms } from './new-mandate.ts';
import { mandatesRepository, type MandateRow } from './mandates-repository.ts';
import {
  checkControlKey, checkCreateMandate, checkCustomer, checkCycle, checkMandateKey, checkResumeOn, checkUpcoming, checkUpdateMandate,
  type MandateKey,
} from './validation.ts';

export interface MandateServiceDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  /** The currencies mandates may be in: ISO 4217 only, within BILL_CURRENCIES. */
  currencies: BillCurrencyPolicy;
  now?: () => Date;
}

/**
 * The mandate id: derived from the customer and the caller's idempotency key when there is one,
 * so a retried create names the same workflow (whose id refuses a duplicate) instead of a second
 * mandate; random otherwise.
 */
function mandateIdFor(customerId: string, idempotencyKey: string | undefined): string {
  if (idempotencyKey === undefined) return `mnd_${randomUUID().replaceAll('-', '')}`;
  return `mnd_${createHash('sha256').update(`${customerId}\n${idempotencyKey}`).digest('hex').slice(0, 32)}`;
}

const ENDED = new Set(['CANCELLED', 'COMPLETED']);

/**
 * billing.v1.MandateService. Temporal is the source of truth for a live mandate: creation starts
 * its workflow and every control is an Update, answered with what the Update returned. Reads come
 * from the PostgreSQL read model, which the workflow's activities write before an Update returns.
 */
export function createMandateService(deps: MandateServiceDeps): ServiceImpl<typeof MandateService> {
  const mandates = mandatesRepository(deps.db);
  const workflows = mandateWorkflows(deps.temporal, deps.taskQueue);
  const now = deps.now ?? (() => new Date());

  async function requireMandate(key: MandateKey): Promise<MandateRow> {
    const row = await mandates.find(key.customerId, key.mandateId);
    if (!row) throw new ConnectError(`customer ${key.customerId} has no mandate ${key.mandateId}`, Code.NotFound);
    return row;
  }

  /** The mandate a control names, if that mandate can still change. */
  async function liveMandate(request: MandateKey & { idempotencyKey: string }): Promise<MandateRow> {
    const row = await requireMandate(checkControlKey(request));
    if (ENDED.has(row.status)) {
      throw new ConnectError(`mandate ${row.id} is ${row.status} and accepts no more changes`, Code.FailedPrecondition);
    }
    return row;
  }

  async function stored(key: MandateKey, upcoming = UPCOMING_DEFAULT) {
    const row = await requireMandate(key);
    return mandateMessageOfRow(row, (await mandates.lastCollections([row])).get(row.id), upcoming);
  }

  const answer = (view: MandateView) => mandateMessage(view, UPCOMING_DEFAULT);

  return {
    createMandate: async (request) => {
      const { terms, idempotencyKey } = checkCreateMandate(request, now(), deps.currencies);
      const key = { customerId: terms.customerId, mandateId: mandateIdFor(terms.customerId, idempotencyKey) };
      const input: MandateWorkflowInput = {
        mandateId: key.mandateId, customerId: terms.customerId, description: terms.description, amount: terms.amount,
        currency: terms.currency, frequency: terms.frequency, firstCollectionDate: terms.firstCollectionDate, endDate: terms.endDate,
        timeZone: terms.timeZone, collectionTime: terms.collectionTime, autoExecution: terms.autoExecution,
        reminderDaysBefore: terms.reminderDaysBefore, createdAt: now().toISOString(),
      };
      if (await workflows.start(input)) {
        // The workflow writes the same row; inserting it here too makes the answer mean "readable now".
        await mandates.insertNew(newMandateRow(input, terms.amountMinor, mandateWorkflowId(key.mandateId)));
        return create(CreateMandateResponseSchema, { mandate: await stored(key) });
      }
      // A retry of a create whose workflow exists. Idempotent: the same terms answer the mandate
      // that exists; other terms under the same key are a conflict, and nothing changes.
      const existing = await mandates.find(key.customerId, key.mandateId);
      const view = existing ? mandateViewOfRow(existing, undefined) : await workflows.describe(key.mandateId);
      if (!sameTerms(terms, view)) {
        throw new ConnectError('a mandate with other terms was already created with this idempotency key', Code.AlreadyExists);
      }
      if (!existing) {
        // The first attempt started the workflow and stopped before its row was written.
        await mandates.insertNew(newMandateRow({ ...input, createdAt: view.createdAt }, terms.amountMinor, mandateWorkflowId(key.mandateId)));
      }
      return create(CreateMandateResponseSchema, { mandate: await stored(key) });
    },

    getMandate: async (request) => {
      const key = checkMandateKey(request);
      return create(GetMandateResponseSchema, { mandate: await stored(key, checkUpcoming(request.upcoming)) });
    },

    listMandates: async (request) => {
      const customerId = checkCustomer(request.customerId);
      const limit = pageLimit(request.limit);
      const rows = await mandates.list({
        customerId, status: mandateStatusName(request.status), after: decodeCursor(MANDATES_LIST, request.cursor, keysetPosition()), limit: limit + 1,
      });
      const page = pageOf(MANDATES_LIST, rows, limit, (last) => [last.position, last.id]);
      const lastCollections = await mandates.lastCollections(page.rows);
      return create(ListMandatesResponseSchema, {
        mandates: page.rows.map((row) => mandateMessageOfRow(row, lastCollections.get(row.id), UPCOMING_DEFAULT)),
        nextCursor: page.nextCursor,
      });
    },

    // Each control is sent under an Update id named by its Idempotency-Key (control-ids.ts): a
    // retry of one that was applied is answered by the workflow with the mandate as it is.
    updateMandate: async (request) => {
      const row = await liveMandate(request);
      const change = checkUpdateMandate(request, row, now(), deps.currencies);
      const updateId = controlUpdateId(UpdateMandateRequestSchema, request);
      return create(UpdateMandateResponseSchema, { mandate: answer(await workflows.changeTerms(row.id, change, updateId)) });
    },

    pauseMandate: async (request) => {
      const row = await liveMandate(request);
      const resumeOn = checkResumeOn(request.resumeOn, row, now());
      const updateId = controlUpdateId(PauseMandateRequestSchema, request);
      return create(PauseMandateResponseSchema, { mandate: answer(await workflows.pause(row.id, resumeOn, updateId)) });
    },

    resumeMandate: async (request) => {
      const row = await liveMandate(request);
      const updateId = controlUpdateId(ResumeMandateRequestSchema, request);
      return create(ResumeMandateResponseSchema, { mandate: answer(await workflows.resume(row.id, updateId)) });
    },

    cancelMandate: async (request) => {
      const key = checkControlKey(request);
      const row = await requireMandate(key);
      // Cancelling a cancelled mandate answers it as it is: nothing changes, so a retry is harmless.
      if (row.status === 'CANCELLED') return create(CancelMandateResponseSchema, { mandate: await stored(key) });
      await liveMandate(key);
      try {
        const updateId = controlUpdateId(CancelMandateRequestSchema, request);
        return create(CancelMandateResponseSchema, { mandate: answer(await workflows.cancel(row.id, updateId)) });
      } catch (error) {
        // The workflow finished under this cancel (its answer lost at the end of the run, or a
        // retry after it): a mandate that ended CANCELLED answers as above, not as "ended".
        if (error instanceof ConnectError && error.code === Code.FailedPrecondition && (await requireMandate(key)).status === 'CANCELLED') {
          return create(CancelMandateResponseSchema, { mandate: await stored(key) });
        }
        throw error;
      }
    },

    approveCollection: async (request) => {
      const cycle = checkCycle(request.cycle);
      const row = await liveMandate(request);
      const collection = await workflows.approve(row.id, cycle, controlUpdateId(ApproveCollectionRequestSchema, request));
      if (collection !== null) return create(ApproveCollectionResponseSchema, { collection: collectionMessage(collection) });
      // A repeat of an approval applied cycles ago: the workflow no longer holds that collection, the read model does.
      const [stored] = await mandates.collections(row.id, cycle + 1, 1);
      if (stored?.cycle !== cycle) throw new Error(`mandate ${row.id} approved collection ${cycle}, which the read model does not hold`);
      return create(ApproveCollectionResponseSchema, { collection: collectionMessageOfRow(stored) });
    },

    listCollections: async (request) => {
      const key = checkMandateKey(request);
      const limit = pageLimit(request.limit);
      const beforeCycle = decodeCursor(COLLECTIONS_LIST, request.cursor, cyclePosition);
      const row = await requireMandate(key);
      const page = pageOf(COLLECTIONS_LIST, await mandates.collections(row.id, beforeCycle, limit + 1), limit, (last) => [String(last.cycle)]);
      return create(ListCollectionsResponseSchema, { collections: page.rows.map(collectionMessageOfRow), nextCursor: page.nextCursor });
    },
  };
}

const MANDATES_LIST = 'mandates';
const COLLECTIONS_LIST = 'mandate-collections';

/** A collections page's position: the cycle of its last collection (cycles start at 1). */
const cyclePosition = countPosition;
