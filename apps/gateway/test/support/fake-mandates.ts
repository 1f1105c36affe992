import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import {
  CollectionSchema, CollectionStatus, Frequency, MandateSchema, MandateStatus, MoneySchema, type Mandate, type MandateService,
} from '@billing/contracts';

/**
 * A MandateService that keeps mandates in memory and records every request, so route tests can
 * check what the gateway sends and how it renders what comes back. The real service is tested in
 * apps/bill-service and, through the gateway, in tests/system.
 */
export function fakeMandateService() {
  const requests: { method: string; request: Record<string, unknown> }[] = [];
  const mandates = new Map<string, Mandate>();
  const at = timestampFromDate(new Date('2031-01-05T10:00:00Z'));
  const record = (method: string, request: object) => requests.push({ method, request: { ...request } as Record<string, unknown> });
  const find = (customerId: string, mandateId: string) => {
    const mandate = mandates.get(mandateId);
    if (!mandate || mandate.customerId !== customerId) throw new ConnectError(`customer ${customerId} has no mandate ${mandateId}`, Code.NotFound);
    return mandate;
  };
  const service: Partial<ServiceImpl<typeof MandateService>> = {
    async createMandate(request) {
      record('createMandate', request);
      const mandate = create(MandateSchema, {
        id: `mnd_${mandates.size + 1}`, customerId: request.customerId, status: MandateStatus.ACTIVE, description: request.description,
        amount: create(MoneySchema, { amount: request.amount, currency: request.currency }), frequency: request.frequency,
        firstCollectionDate: request.firstCollectionDate, endDate: request.endDate, timeZone: request.timeZone,
        collectionTime: request.collectionTime, autoExecution: request.autoExecution, reminderDaysBefore: request.reminderDaysBefore,
        nextCollections: [request.firstCollectionDate], createdAt: at, updatedAt: at,
      });
      mandates.set(mandate.id, mandate);
      return { mandate };
    },
    async getMandate(request) {
      record('getMandate', request);
      return { mandate: find(request.customerId, request.mandateId) };
    },
    async listMandates(request) {
      record('listMandates', request);
      return { mandates: [...mandates.values()].filter((mandate) => mandate.customerId === request.customerId), nextCursor: undefined };
    },
    async updateMandate(request) {
      record('updateMandate', request);
      const mandate = find(request.customerId, request.mandateId);
      if (request.clearEndDate) mandate.endDate = undefined;
      if (request.amount !== undefined) mandate.amount = create(MoneySchema, { amount: request.amount, currency: request.currency ?? mandate.amount?.currency ?? '' });
      return { mandate };
    },
    async pauseMandate(request) {
      record('pauseMandate', request);
      const mandate = find(request.customerId, request.mandateId);
      if (mandate.status === MandateStatus.PAUSED) throw new ConnectError('the mandate is already paused', Code.FailedPrecondition);
      mandate.status = MandateStatus.PAUSED;
      mandate.pausedUntil = request.resumeOn;
      mandate.nextCollections = [];
      return { mandate };
    },
    async resumeMandate(request) {
      record('resumeMandate', request);
      const mandate = find(request.customerId, request.mandateId);
      mandate.status = MandateStatus.ACTIVE;
      return { mandate };
    },
    async cancelMandate(request) {
      record('cancelMandate', request);
      const mandate = find(request.customerId, request.mandateId);
      mandate.status = MandateStatus.CANCELLED;
      return { mandate };
    },
    async approveCollection(request) {
      record('approveCollection', request);
      const mandate = find(request.customerId, request.mandateId);
      return {
        collection: create(CollectionSchema, {
          cycle: request.cycle, dueDate: mandate.firstCollectionDate, status: CollectionStatus.SUCCEEDED, attempts: 1,
          amount: mandate.amount, paymentReference: 'sim_1', collectedAt: at,
        }),
      };
    },
    async listCollections(request) {
      record('listCollections', request);
      find(request.customerId, request.mandateId);
      return { collections: [], nextCursor: undefined };
    },
  };
  return { service, requests, Frequency };
}
