import { Code } from '@connectrpc/connect';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionStatus, Frequency, MandateStatus, SimulatedOutcome, type CreateMandateRequestSchema } from '@billing/contracts';

type CreateMandateRequest = MessageInitShape<typeof CreateMandateRequestSchema>;
import { mandateWorkflowId } from '@billing/mandates';
import { newCustomer } from './support/bill-service.ts';
import { startTestMandateService, type TestMandateService } from './support/mandate-service.ts';
import { STAND_IN_MARK } from './support/workflows/stand-in-mandate.ts';
import { failureOf } from './support/failure.ts';

let service: TestMandateService;
beforeAll(async () => {
  service = await startTestMandateService();
});
afterAll(async () => {
  await service?.close();
});

function request(customerId: string, overrides: CreateMandateRequest = {}): CreateMandateRequest {
  return {
    customerId, idempotencyKey: '', description: 'Gym membership', amount: '25.00', currency: 'USD', frequency: Frequency.MONTHLY,
    firstCollectionDate: '2031-01-31', timeZone: 'Europe/Berlin', collectionTime: '09:30', autoExecution: true, reminderDaysBefore: 0,
    ...overrides,
  };
}

async function rowsOf(customerId: string) {
  return service.db('mandates').where('customer_id', customerId);
}

describe('createMandate', () => {
  it('starts the mandate workflow and answers the mandate, readable at once', async () => {
    const customerId = newCustomer('mnd');
    const { mandate } = await service.mandates.createMandate(request(customerId));
    expect(mandate).toMatchObject({
      customerId, status: MandateStatus.ACTIVE, description: 'Gym membership', amount: { amount: '25.00', currency: 'USD' },
      frequency: Frequency.MONTHLY, firstCollectionDate: '2031-01-31', timeZone: 'Europe/Berlin', collectionTime: '09:30',
      autoExecution: true, collectionsCompleted: 0, nextCollections: ['2031-01-31', '2031-02-28', '2031-03-31'],
    });
    expect(mandate?.id).toMatch(/^mnd_[0-9a-f]{32}$/);
    expect(mandate?.endDate).toBeUndefined();
    const fetched = await service.mandates.getMandate({ customerId, mandateId: mandate?.id ?? '' });
    expect(fetched.mandate).toEqual(mandate);
    const described = await service.temporal.workflow.getHandle(mandateWorkflowId(mandate?.id ?? '')).describe();
    expect(described).toMatchObject({ type: 'mandateWorkflow', taskQueue: service.taskQueue });
    expect(described.status.name).toBe('RUNNING');
  });

  it('answers a retry with the same idempotency key and terms with the same mandate, and refuses other terms', async () => {
    const customerId = newCustomer('retry');
    const first = await service.mandates.createMandate(request(customerId, { idempotencyKey: 'gym-1' }));
    const again = await service.mandates.createMandate(request(customerId, { idempotencyKey: 'gym-1' }));
    expect(again.mandate).toEqual(first.mandate);
    const other = await failureOf(service.mandates.createMandate(request(customerId, { idempotencyKey: 'gym-1', amount: '30.00' })));
    expect(other.code).toBe(Code.AlreadyExists);
    const another = await service.mandates.createMandate(request(customerId, { idempotencyKey: 'gym-2' }));
    expect(another.mandate?.id).not.toBe(first.mandate?.id);
    expect(await rowsOf(customerId)).toHaveLength(2);
  });

  it('answers a retry whose first attempt started the workflow but wrote no row, and writes the row', async () => {
    const customerId = newCustomer('crash');
    const first = await service.mandates.createMandate(request(customerId, { idempotencyKey: 'k' }));
    await service.db('mandates').where('id', first.mandate?.id).delete();
    const again = await service.mandates.createMandate(request(customerId, { idempotencyKey: 'k' }));
    expect(again.mandate?.id).toBe(first.mandate?.id);
    expect(again.mandate?.createdAt).toEqual(first.mandate?.createdAt);
    expect(await rowsOf(customerId)).toHaveLength(1);
  });

  const edgeCases: [string, CreateMandateRequest, string][] = [
    ['a missing description', { description: '' }, 'description'],
    ['a huge description', { description: 'x'.repeat(10_000) }, 'description'],
    ['"NaN"', { amount: 'NaN' }, 'amount'],
    ['"1e309"', { amount: '1e309' }, 'amount'],
    ['"-0"', { amount: '-0' }, 'amount'],
    ['a zero amount', { amount: '0' }, 'amount'],
    ['a negative amount', { amount: '-1.00' }, 'amount'],
    ['too many decimals', { amount: '1.005' }, 'amount'],
    ['an unknown currency', { currency: 'ABC' }, 'currency'],
    ['no frequency', { frequency: Frequency.UNSPECIFIED }, 'frequency'],
    ['a malformed date', { firstCollectionDate: '2031-02-30' }, 'firstCollectionDate'],
    ['a past first collection date', { firstCollectionDate: '2020-01-01' }, 'firstCollectionDate'],
    ['an end date before the first collection', { endDate: '2031-01-30' }, 'endDate'],
    ['an unknown time zone', { timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
    ['a malformed collection time', { collectionTime: '9:30' }, 'collectionTime'],
    ['reminderDaysBefore 31', { reminderDaysBefore: 31 }, 'reminderDaysBefore'],
    ['SQL metacharacters in the customer id', { customerId: "x'; DROP TABLE mandates;--" }, 'customerId'],
    ['unicode in the customer id', { customerId: 'kunde-ü' }, 'customerId'],
  ];
  it.each(edgeCases)('refuses %s as invalid_argument naming the field, writing nothing', async (_label, overrides, field) => {
    const customerId = newCustomer('edge');
    const failure = await failureOf(service.mandates.createMandate(request(customerId, overrides)));
    expect(failure.code).toBe(Code.InvalidArgument);
    expect(failure.rawMessage).toContain(`${field}:`);
    expect(await rowsOf(customerId)).toEqual([]);
  });
});

describe('reads', () => {
  it('lists the next due dates asked for (1–100), none past the end date', async () => {
    const customerId = newCustomer('upcoming');
    const { mandate } = await service.mandates.createMandate(request(customerId, { frequency: Frequency.WEEKLY, endDate: '2031-02-14' }));
    const key = { customerId, mandateId: mandate?.id ?? '' };
    expect((await service.mandates.getMandate({ ...key, upcoming: 100 })).mandate?.nextCollections).toEqual(['2031-01-31', '2031-02-07', '2031-02-14']);
    expect((await service.mandates.getMandate({ ...key, upcoming: 1 })).mandate?.nextCollections).toEqual(['2031-01-31']);
    expect((await failureOf(service.mandates.getMandate({ ...key, upcoming: 101 }))).rawMessage).toContain('upcoming:');
  });

  it('answers not_found for an unknown mandate and for another customer\'s', async () => {
    const customerId = newCustomer('owner');
    const { mandate } = await service.mandates.createMandate(request(customerId));
    const other = await failureOf(service.mandates.getMandate({ customerId: newCustomer('other'), mandateId: mandate?.id ?? '' }));
    expect(other.code).toBe(Code.NotFound);
    expect((await failureOf(service.mandates.getMandate({ customerId, mandateId: 'mnd_nope' }))).code).toBe(Code.NotFound);
  });

  it('lists a customer\'s mandates newest first, page by page, filtered by status', async () => {
    const customerId = newCustomer('list');
    const ids: string[] = [];
    for (const amount of ['1.00', '2.00', '3.00']) ids.push((await service.mandates.createMandate(request(customerId, { amount }))).mandate?.id ?? '');
    const page1 = await service.mandates.listMandates({ customerId, limit: 2 });
    const page2 = await service.mandates.listMandates({ customerId, limit: 2, cursor: page1.nextCursor });
    expect([...page1.mandates, ...page2.mandates].map((mandate) => mandate.id)).toEqual([...ids].reverse());
    expect(page2.nextCursor).toBeUndefined();
    expect((await service.mandates.listMandates({ customerId, status: MandateStatus.PAUSED })).mandates).toEqual([]);
    expect((await failureOf(service.mandates.listMandates({ customerId, cursor: 'garbage' }))).code).toBe(Code.InvalidArgument);
  });

  it('lists collections newest cycle first and shows the last one on the mandate', async () => {
    const customerId = newCustomer('collections');
    const { mandate } = await service.mandates.createMandate(request(customerId));
    const mandateId = mandate?.id ?? '';
    // As the workflow's activities would have written them.
    await service.db('mandate_collections').insert([1, 2, 3].map((cycle) => ({
      mandate_id: mandateId, cycle, due_date: `2031-0${cycle}-28`, status: cycle === 3 ? 'FAILED' : 'SUCCEEDED', attempts: cycle,
      amount_minor: '2500', currency: 'USD', payment_reference: cycle === 3 ? null : `sim_${cycle}`,
      failure_reason: cycle === 3 ? 'insufficient funds' : null, collected_at: cycle === 3 ? null : new Date('2031-01-28T08:30:00Z'),
      updated_at: new Date(),
    })));
    await service.db('mandates').where('id', mandateId).update({ last_collection_cycle: 3, collections_completed: 2 });
    const page1 = await service.mandates.listCollections({ customerId, mandateId, limit: 2 });
    const page2 = await service.mandates.listCollections({ customerId, mandateId, limit: 2, cursor: page1.nextCursor });
    expect([...page1.collections, ...page2.collections].map((collection) => collection.cycle)).toEqual([3, 2, 1]);
    expect(page1.collections[0]).toMatchObject({
      dueDate: '2031-03-28', status: CollectionStatus.FAILED, attempts: 3, amount: { amount: '25.00', currency: 'USD' },
      failureReason: 'insufficient funds',
    });
    const fetched = await service.mandates.getMandate({ customerId, mandateId });
    expect(fetched.mandate?.lastCollection).toEqual(page1.collections[0]);
    expect(fetched.mandate?.collectionsCompleted).toBe(2);
  });
});

describe('controls', () => {
  it('answers each control with what its Update returned, not with a second read', async () => {
    const customerId = newCustomer('controls');
    const { mandate } = await service.mandates.createMandate(request(customerId));
    const key = { customerId, mandateId: mandate?.id ?? '' };
    const updated = await service.mandates.updateMandate({ ...key, amount: '30.00', description: 'Gym plus', clearEndDate: false, frequency: 0 });
    expect(updated.mandate).toMatchObject({ description: `Gym plus${STAND_IN_MARK}`, amount: { amount: '30.00', currency: 'USD' } });
    const paused = await service.mandates.pauseMandate({ ...key, resumeOn: '2031-03-01' });
    expect(paused.mandate).toMatchObject({ status: MandateStatus.PAUSED, pausedUntil: '2031-03-01', nextCollections: ['2031-03-31', '2031-04-30', '2031-05-31'] });
    expect((await failureOf(service.mandates.pauseMandate(key))).code).toBe(Code.FailedPrecondition);
    expect((await service.mandates.resumeMandate(key)).mandate?.status).toBe(MandateStatus.ACTIVE);
    const approved = await service.mandates.approveCollection({ ...key, cycle: 1 });
    expect(approved.collection).toMatchObject({ cycle: 1, status: CollectionStatus.SUCCEEDED, paymentReference: 'sim_stand_in' });
    expect((await failureOf(service.mandates.approveCollection({ ...key, cycle: 7 }))).code).toBe(Code.NotFound);
    expect((await service.mandates.cancelMandate(key)).mandate?.status).toBe(MandateStatus.CANCELLED);
  });

  it('checks a change before Temporal hears of it, naming the field', async () => {
    const customerId = newCustomer('change');
    const { mandate } = await service.mandates.createMandate(request(customerId, { currency: 'JPY', amount: '2500' }));
    const key = { customerId, mandateId: mandate?.id ?? '' };
    for (const [change, field] of [
      [{ amount: '25.50' }, 'amount'], [{ currency: 'XYZ' }, 'currency'], [{ endDate: '2020-01-01' }, 'endDate'],
      [{ endDate: '2031-01-30' }, 'endDate'], [{ description: ' ' }, 'description'], [{}, 'change'],
    ] as const) {
      const failure = await failureOf(service.mandates.updateMandate({ ...key, ...change }));
      expect(failure.code, field).toBe(Code.InvalidArgument);
      expect(failure.rawMessage).toContain(`${field}:`);
    }
    expect((await failureOf(service.mandates.pauseMandate({ ...key, resumeOn: '2020-01-01' }))).rawMessage).toContain('resumeOn:');
  });

  it('refuses controls on an ended mandate, and answers a second cancel with the mandate as it is', async () => {
    const customerId = newCustomer('ended');
    const { mandate } = await service.mandates.createMandate(request(customerId));
    const key = { customerId, mandateId: mandate?.id ?? '' };
    // The read model as the workflow leaves it once cancelled.
    await service.db('mandates').where('id', key.mandateId).update({ status: 'CANCELLED', revision: 5 });
    expect((await failureOf(service.mandates.resumeMandate(key))).code).toBe(Code.FailedPrecondition);
    expect((await failureOf(service.mandates.updateMandate({ ...key, amount: '1.00' }))).code).toBe(Code.FailedPrecondition);
    expect((await service.mandates.cancelMandate(key)).mandate?.status).toBe(MandateStatus.CANCELLED);
    expect((await failureOf(service.mandates.cancelMandate({ customerId: newCustomer('x'), mandateId: key.mandateId }))).code).toBe(Code.NotFound);
  });
});

describe('PaymentSimulatorService.scriptOutcomes', () => {
  it('queues outcomes in order for the customer and answers how many are queued', async () => {
    const customerId = newCustomer('sim');
    await service.simulator.scriptOutcomes({ customerId, outcomes: [{ outcome: SimulatedOutcome.DECLINE, reason: 'insufficient funds' }] });
    const answer = await service.simulator.scriptOutcomes({ customerId, outcomes: [{ outcome: SimulatedOutcome.TRANSIENT_FAILURE }, { outcome: SimulatedOutcome.SUCCEED }] });
    expect(answer.queued).toBe(3);
    const rows = await service.db('simulator_script').where('customer_id', customerId).orderBy('id');
    expect(rows.map((row: { outcome: string; reason: string | null }) => [row.outcome, row.reason])).toEqual([
      ['DECLINE', 'insufficient funds'], ['TRANSIENT_FAILURE', null], ['SUCCEED', null],
    ]);
  });

  it.each([
    ['no outcomes', [], 'outcomes'],
    ['101 outcomes', Array.from({ length: 101 }, () => ({ outcome: SimulatedOutcome.SUCCEED })), 'outcomes'],
    ['an unspecified outcome', [{ outcome: SimulatedOutcome.UNSPECIFIED }], 'outcomes[0].outcome'],
    ['a reason over 200 characters', [{ outcome: SimulatedOutcome.DECLINE, reason: 'r'.repeat(201) }], 'outcomes[0].reason'],
  ])('refuses %s naming the field, queueing nothing', async (_label, outcomes, field) => {
    const customerId = newCustomer('simbad');
    const failure = await failureOf(service.simulator.scriptOutcomes({ customerId, outcomes }));
    expect(failure.code).toBe(Code.InvalidArgument);
    expect(failure.rawMessage).toContain(`${field}:`);
    expect(await service.db('simulator_script').where('customer_id', customerId)).toEqual([]);
  });
});
