import { DEFAULT_PAGE_LIMIT } from '@billing/grpc-kit';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callOptionsFor, type CallingRequest, type ServiceClients } from '../clients.ts';
import { IDEMPOTENCY_HEADER, IdempotencyHeaders } from '../idempotency/header.ts';
import { collectionJson, mandateJson } from '@billing/resources';
import {
  collectionPageJson, frequencyValue, mandatePageJson, mandateStatusValue, required,
} from '../mandate-json.ts';
import { UPCOMING_DEFAULT } from '@billing/mandates';
import { CustomerParams, PageQuery } from '../schemas/common.ts';
import { BODY_FAILURES, RETRY_AFTER, SERVICE_FAILURES, errorResponses, idempotencyFailures } from '../schemas/error-responses.ts';
import {
  CollectionPage, CollectionParams, CreateMandateBody, GetMandateQuery, ListMandatesQuery, MandatePage, MandateParams,
  PauseMandateBody, UpdateMandateBody,
} from '../schemas/mandate.ts';

export interface MandatesRoutesOptions {
  clients: ServiceClients;
  callTimeoutMs: number;
}

const MANDATES = '/v1/customers/:customerId/mandates';
const MANDATE = `${MANDATES}/:mandateId`;
const MANDATE_REF = { $ref: 'Mandate' } as const;
const BAD_INPUT = '`invalid_argument`: a field is malformed or not allowed; the message and details name it';
const NO_MANDATE = '`not_found`: the customer has no such mandate';
// Mandates collect ISO 4217 money; the message says which of the two applies.
const CURRENCY_REFUSED = 'or a currency that is a registered non-fiat unit (BTC, ETH, POINTS) or not accepted by this deployment';
// Controls go through the mandate workflow, which Temporal may throttle.
const BUSY = { 429: '`resource_exhausted`: too many concurrent changes to this mandate; retry shortly' };
const REPLAY_NOTE = ' Send an `Idempotency-Key` header to make a retry safe (see the idempotency section of the API description).';
// A control's key goes on to the mandate, which applies a key's control once.
const CONTROL_REPLAY_NOTE = ' Send an `Idempotency-Key` header to make a retry safe: the mandate applies a control once per key, so a ' +
  'retry after an answer that never arrived is answered with the mandate as it is, not applied twice or refused ' +
  '(see the idempotency section of the API description).';

/** Error responses of a POST or PATCH that changes a mandate; `conflict` is its own 409. */
function controlFailures(badInput: string, conflict: string) {
  return errorResponses(
    { 400: badInput, 404: NO_MANDATE, ...idempotencyFailures(conflict), ...BUSY, ...BODY_FAILURES, ...SERVICE_FAILURES },
    { 409: RETRY_AFTER },
  );
}

/** A control's Idempotency-Key, passed on to the mandate ('' for none). */
const controlKey = (request: { headers: { [IDEMPOTENCY_HEADER]?: string } }): string => request.headers[IDEMPOTENCY_HEADER] ?? '';

/** The mandate routes of the REST API over billing.v1.MandateService. */
export const mandatesRoutes: FastifyPluginAsyncTypebox<MandatesRoutesOptions> = async (app, { clients, callTimeoutMs }) => {
  const options = (request: CallingRequest) => callOptionsFor(request, callTimeoutMs);
  const mandates = clients.mandates;

  app.post(MANDATES, {
    schema: {
      operationId: 'createMandate',
      tags: ['mandates'],
      summary: 'Authorise collecting a fixed amount from a customer on a schedule',
      description:
        'Cycle 1 falls due on `firstCollectionDate` (today or later in `timeZone`) at `collectionTime`; a first collection ' +
        'due today whose time has passed runs at once. With an `Idempotency-Key`, the mandate id is derived from the customer ' +
        'and the key: a retry answers the same mandate, even after the gateway has forgotten the key, and another request ' +
        'under that key is a 409 `already_exists`.' + REPLAY_NOTE,
      params: CustomerParams,
      headers: IdempotencyHeaders,
      body: CreateMandateBody,
      response: {
        201: { ...MANDATE_REF, description: 'The new mandate, ACTIVE and readable at once' },
        ...errorResponses(
          {
            400: `${BAD_INPUT}; also a date that is not a real day or is already past in the mandate time zone, an end date ` +
              'before the first collection, an amount with more decimals than its currency has, an unknown time zone, ' +
              CURRENCY_REFUSED,
            ...idempotencyFailures('`already_exists`: this Idempotency-Key created a mandate with other terms'),
            ...BODY_FAILURES,
            ...SERVICE_FAILURES,
          },
          { 409: RETRY_AFTER },
        ),
      },
    },
  }, async (request, reply) => {
    const body = request.body;
    const response = await mandates.createMandate({
      customerId: request.params.customerId,
      idempotencyKey: request.headers[IDEMPOTENCY_HEADER] ?? '',
      description: body.description,
      amount: body.amount,
      currency: body.currency,
      frequency: frequencyValue(body.frequency),
      firstCollectionDate: body.firstCollectionDate,
      endDate: body.endDate,
      timeZone: body.timeZone ?? 'UTC',
      collectionTime: body.collectionTime ?? '00:00',
      autoExecution: body.autoExecution ?? true,
      reminderDaysBefore: body.reminderDaysBefore ?? 0,
    }, options(request));
    return reply.code(201).send(mandateJson(required(response.mandate, 'mandate')));
  });

  app.get(MANDATES, {
    schema: {
      operationId: 'listMandates',
      tags: ['mandates'],
      summary: 'A customer mandates, newest first',
      description: 'Each lists its next 3 due dates; get one mandate for more.',
      params: CustomerParams,
      querystring: ListMandatesQuery,
      response: { 200: MandatePage, ...errorResponses({ 400: `${BAD_INPUT}; also a cursor this API did not issue`, ...SERVICE_FAILURES }) },
    },
  }, async (request) => {
    const { status, limit, cursor } = request.query;
    const response = await mandates.listMandates({
      customerId: request.params.customerId,
      status: mandateStatusValue(status),
      limit: limit ?? DEFAULT_PAGE_LIMIT,
      cursor: cursor ?? '',
    }, options(request));
    return mandatePageJson(response);
  });

  app.get(MANDATE, {
    schema: {
      operationId: 'getMandate',
      tags: ['mandates'],
      summary: 'A mandate with its next due dates',
      params: MandateParams,
      querystring: GetMandateQuery,
      response: { 200: MANDATE_REF, ...errorResponses({ 400: BAD_INPUT, 404: NO_MANDATE, ...SERVICE_FAILURES }) },
    },
  }, async (request) => {
    const response = await mandates.getMandate({ ...request.params, upcoming: request.query.upcoming ?? UPCOMING_DEFAULT }, options(request));
    return mandateJson(required(response.mandate, 'mandate'));
  });

  app.patch(MANDATE, {
    schema: {
      operationId: 'updateMandate',
      tags: ['mandates'],
      summary: 'Change the amount, currency, description, frequency or end date',
      description: 'Effective from the next collection that has not started; one already running keeps the old terms. ' +
        'A change never triggers a collection. `"endDate": null` removes the end date.' + CONTROL_REPLAY_NOTE,
      params: MandateParams,
      headers: IdempotencyHeaders,
      body: UpdateMandateBody,
      response: {
        200: { ...MANDATE_REF, description: 'The mandate after the change' },
        ...controlFailures(`${BAD_INPUT}; also an end date in the past or before the first collection, ${CURRENCY_REFUSED}`,
          '`failed_precondition`: the mandate is CANCELLED or COMPLETED'),
      },
    },
  }, async (request) => {
    const body = request.body;
    const response = await mandates.updateMandate({
      ...request.params,
      amount: body.amount,
      currency: body.currency,
      description: body.description,
      frequency: frequencyValue(body.frequency),
      endDate: body.endDate ?? undefined,
      clearEndDate: body.endDate === null,
      idempotencyKey: controlKey(request),
    }, options(request));
    return mandateJson(required(response.mandate, 'mandate'));
  });

  app.post(`${MANDATE}/pause`, {
    schema: {
      operationId: 'pauseMandate',
      tags: ['mandates'],
      summary: 'Pause collecting, until resumed or until a date',
      description: 'Collections that fall due while paused are SKIPPED, never collected later. With `resumeOn`, the mandate ' +
        'resumes by itself at the start of that day. The body may be left out.' + CONTROL_REPLAY_NOTE,
      params: MandateParams,
      headers: IdempotencyHeaders,
      body: PauseMandateBody,
      response: {
        200: { ...MANDATE_REF, description: 'The mandate, PAUSED' },
        ...controlFailures(`${BAD_INPUT}; also a resumeOn that is not after today`,
          '`failed_precondition`: the mandate is already paused, CANCELLED or COMPLETED'),
      },
    },
    // No body at all means {}: pausing until resumed needs nothing said. A body that is there
    // (even a JSON null) is validated as sent.
    preValidation: async (request) => {
      if (request.body === undefined) request.body = {};
    },
  }, async (request) => {
    const response = await mandates.pauseMandate(
      { ...request.params, resumeOn: request.body.resumeOn, idempotencyKey: controlKey(request) }, options(request));
    return mandateJson(required(response.mandate, 'mandate'));
  });

  for (const [action, operationId, summary, description, conflict] of [
    ['resume', 'resumeMandate', 'Resume a paused mandate',
      'A collection whose moment passed while paused is SKIPPED; the one due today and not yet past its time is collected ' +
      'as usual. A control never triggers a collection by itself.',
      '`failed_precondition`: the mandate is not paused'],
    ['cancel', 'cancelMandate', 'Cancel a mandate for good',
      'Nothing more is collected. Cancelling a CANCELLED mandate answers it again with 200 and changes nothing.',
      '`failed_precondition`: the mandate is COMPLETED'],
  ] as const) {
    app.post(`${MANDATE}/${action}`, {
      schema: {
        operationId, tags: ['mandates'], summary, description: description + CONTROL_REPLAY_NOTE,
        params: MandateParams,
        headers: IdempotencyHeaders,
        response: { 200: { ...MANDATE_REF, description: 'The mandate after the change' }, ...controlFailures(BAD_INPUT, conflict) },
      },
    }, async (request) => {
      const control = { ...request.params, idempotencyKey: controlKey(request) };
      const response = action === 'resume'
        ? await mandates.resumeMandate(control, options(request))
        : await mandates.cancelMandate(control, options(request));
      return mandateJson(required(response.mandate, 'mandate'));
    });
  }

  app.post(`${MANDATE}/collections/:cycle/approve`, {
    schema: {
      operationId: 'approveCollection',
      tags: ['mandates'],
      summary: 'Approve the pending collection of a manual mandate',
      description: 'Only a collection AWAITING_APPROVAL can be approved; it is then collected at once.' + CONTROL_REPLAY_NOTE,
      params: CollectionParams,
      headers: IdempotencyHeaders,
      response: {
        200: { $ref: 'Collection', description: 'The collection after the approval' },
        ...controlFailures(BAD_INPUT, '`failed_precondition`: that collection is not awaiting approval, or the mandate has ended'),
      },
    },
  }, async (request) => {
    const response = await mandates.approveCollection({ ...request.params, idempotencyKey: controlKey(request) }, options(request));
    return collectionJson(required(response.collection, 'collection'));
  });

  app.get(`${MANDATE}/collections`, {
    schema: {
      operationId: 'listCollections',
      tags: ['mandates'],
      summary: 'A mandate collections, newest cycle first',
      params: MandateParams,
      querystring: PageQuery,
      response: {
        200: CollectionPage,
        ...errorResponses({ 400: `${BAD_INPUT}; also a cursor this API did not issue`, 404: NO_MANDATE, ...SERVICE_FAILURES }),
      },
    },
  }, async (request) => {
    const response = await mandates.listCollections(
      { ...request.params, limit: request.query.limit ?? DEFAULT_PAGE_LIMIT, cursor: request.query.cursor ?? '' },
      options(request),
    );
    return collectionPageJson(response);
  });
};
