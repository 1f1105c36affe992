import { OPTIONAL_BODY } from '../openapi.ts';
import { Type } from 'typebox';
import {
  REMINDER_DAYS_MAX, SCRIPTED_OUTCOMES_MAX, SCRIPTED_REASON_MAX_CHARS, UPCOMING_DEFAULT, UPCOMING_MAX,
} from '@billing/mandates';
import {
  Cursor, CustomerId, Description, Limit, MAX_CURRENCY_DECIMALS, MoneyRef, NextCursor, PositiveDecimal, TextValue, TimeZoneName,
} from './common.ts';
import { RequestedCurrencyCode } from './currency-code.ts';
import { Rfc3339 } from './timestamp.ts';

// The mandate shapes of the REST API. As for bills, each field carries every rule JSON Schema can
// state; what depends on more than the field (an amount's decimals depend on the currency, a date
// must be a real day and not in the past in the mandate's time zone, an end date must not come
// before the first collection) is bill-service's, whose INVALID_ARGUMENT names the field.


export const MandateId = Type.String({
  pattern: '^mnd_[A-Za-z0-9]{1,64}$',
  description: 'The mandate id the API gave it, "mnd_" and letters or digits',
  examples: ['mnd_5f2c0c3b9a7d4e1f8a6b2c3d4e5f6a7b'],
  errorMessage: 'must be a mandate id such as mnd_5f2c0c3b…',
});

/** A local date; that it names a real day (no February 30) is checked by the service. */
export function LocalDate(what: string) {
  return Type.String({
    pattern: '^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$',
    description: `${what}: a date as YYYY-MM-DD, local to the mandate time zone`,
    examples: ['2031-01-31'],
    errorMessage: 'must be a date as YYYY-MM-DD, e.g. 2031-01-31',
  });
}

export const FrequencyName = Type.Union(
  ['DAILY', 'WEEKLY', 'MONTHLY', 'BIMONTHLY', 'QUARTERLY', 'SEMIANNUALLY', 'ANNUALLY'].map((name) => Type.Literal(name)),
  {
    description: 'How often to collect; month-based frequencies keep the day of the month of the first collection, ' +
      'clamped to the last day of shorter months (Jan 31, Feb 28, Mar 31 …). BIMONTHLY is every two months',
    errorMessage: 'must be one of DAILY, WEEKLY, MONTHLY, BIMONTHLY, QUARTERLY, SEMIANNUALLY, ANNUALLY',
  },
);

export const MandateStatusName = Type.Union(
  ['ACTIVE', 'PAUSED', 'PAST_DUE', 'CANCELLED', 'COMPLETED'].map((name) => Type.Literal(name)),
  {
    description: 'ACTIVE collects; PAUSED skips what falls due until resumed; PAST_DUE: the last collection failed after ' +
      'every retry (later cycles are still collected, and a successful one makes it ACTIVE again); CANCELLED and ' +
      'COMPLETED (after its end date) are final',
    errorMessage: 'must be one of ACTIVE, PAUSED, PAST_DUE, CANCELLED, COMPLETED',
  },
);

export const CollectionStatusName = Type.Union(
  ['SCHEDULED', 'AWAITING_APPROVAL', 'SUCCEEDED', 'FAILED', 'SKIPPED', 'MISSED'].map((name) => Type.Literal(name)),
  { description: 'SKIPPED: due while paused; MISSED: a manual collection not approved in time; FAILED: declined after every retry' },
);

export const Collection = Type.Object(
  {
    cycle: Type.Integer({ minimum: 1, description: 'Numbered from 1' }),
    dueDate: LocalDate('The due date'),
    status: CollectionStatusName,
    attempts: Type.Integer({ minimum: 0, description: 'Charge attempts so far, dunning retries included' }),
    amount: MoneyRef,
    paymentReference: Type.Union([Type.String(), Type.Null()], { description: 'The payment provider reference of a successful charge' }),
    failureReason: Type.Union([Type.String(), Type.Null()], { description: 'Why the last attempt was declined' }),
    collectedAt: Type.Union([Rfc3339('When the charge succeeded'), Type.Null()]),
  },
  { $id: 'Collection', title: 'Collection' },
);

export const Mandate = Type.Object(
  {
    id: MandateId,
    customerId: CustomerId,
    status: MandateStatusName,
    description: Type.String(),
    amount: { ...MoneyRef, description: 'Collected each cycle' },
    frequency: FrequencyName,
    firstCollectionDate: LocalDate('Cycle 1 falls due'),
    endDate: Type.Union([LocalDate('No collection after'), Type.Null()]),
    timeZone: Type.String({ description: 'IANA time zone the dates are local to', examples: ['UTC'] }),
    collectionTime: Type.String({ description: 'Local time of day HH:MM at which a collection is due', examples: ['09:00'] }),
    autoExecution: Type.Boolean({ description: 'false: the customer is reminded, then the collection waits for approval' }),
    reminderDaysBefore: Type.Integer({ minimum: 0, maximum: REMINDER_DAYS_MAX }),
    pausedUntil: Type.Union([LocalDate('Resumes by itself on'), Type.Null()], { description: 'null unless paused until a date' }),
    nextCollections: Type.Array(LocalDate('A due date'), {
      maxItems: UPCOMING_MAX,
      description: 'The next due dates it will still collect on (`upcoming` of them; none past endDate; none while paused until resumed)',
    }),
    collectionsCompleted: Type.Integer({ minimum: 0 }),
    lastCollection: Type.Union([Type.Ref('Collection'), Type.Null()]),
    createdAt: Rfc3339('Creation time'),
    updatedAt: Rfc3339('Last change'),
  },
  { $id: 'Mandate', title: 'Mandate' },
);

export const MandateParams = Type.Object({ customerId: CustomerId, mandateId: MandateId });
export const CollectionParams = Type.Object({
  customerId: CustomerId,
  mandateId: MandateId,
  cycle: Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'The collection cycle, from 1' }),
});

export const CreateMandateBody = Type.Object(
  {
    description: Description('What the customer is charged for'),
    amount: PositiveDecimal('Collected each cycle; at most the currency minor-unit decimals (USD 2, JPY 0, KWD 3)', MAX_CURRENCY_DECIMALS, '25.00'),
    currency: RequestedCurrencyCode(),
    frequency: FrequencyName,
    firstCollectionDate: LocalDate('Cycle 1 falls due; today or later'),
    endDate: Type.Optional(LocalDate('No collection after it; not before firstCollectionDate')),
    timeZone: Type.Optional(TimeZoneName('The time zone the dates are local to')),
    collectionTime: Type.Optional(Type.String({
      pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
      description: 'Local time of day HH:MM at which a collection is due; default 00:00',
      examples: ['09:00'],
      errorMessage: 'must be a local time as HH:MM from 00:00 to 23:59',
    })),
    autoExecution: Type.Optional(Type.Boolean({
      default: true,
      description: 'true (default): collect automatically; false: remind the customer, then wait for approval',
    })),
    reminderDaysBefore: Type.Optional(Type.Integer({
      minimum: 0,
      maximum: REMINDER_DAYS_MAX,
      default: 0,
      description: `For a manual mandate, how many days before the due date the reminder goes out, 0–${REMINDER_DAYS_MAX}`,
    })),
  },
  { additionalProperties: false },
);

export const UpdateMandateBody = Type.Object(
  {
    description: Type.Optional(Description('What the customer is charged for')),
    amount: Type.Optional(PositiveDecimal('The new amount; at most the currency minor-unit decimals', MAX_CURRENCY_DECIMALS, '30.00')),
    currency: Type.Optional(RequestedCurrencyCode('The new currency; the amount must fit its decimals')),
    frequency: Type.Optional(FrequencyName),
    endDate: Type.Optional(Type.Union([LocalDate('The new end date; today or later'), Type.Null()], { description: 'null removes the end date' })),
  },
  { additionalProperties: false, minProperties: 1, errorMessage: 'must change at least one of amount, currency, description, frequency, endDate' },
);

// The body may be left out altogether: pausing until resumed needs nothing said.
export const PauseMandateBody = Type.Object(
  { resumeOn: Type.Optional(LocalDate('Resume by itself at the start of this day; after today. Absent: until resumed')) },
  { additionalProperties: false, [OPTIONAL_BODY]: true },
);

export const GetMandateQuery = Type.Object({
  upcoming: Type.Optional(Type.Integer({
    minimum: 1, maximum: UPCOMING_MAX, default: UPCOMING_DEFAULT, description: `How many next due dates to list, 1–${UPCOMING_MAX}`,
  })),
});

export const ListMandatesQuery = Type.Object({
  status: Type.Optional(MandateStatusName),
  limit: Type.Optional(Limit),
  cursor: Type.Optional(Cursor),
});

export const MandatePage = Type.Object({ items: Type.Array(Type.Ref('Mandate')), nextCursor: NextCursor }, { title: 'MandatePage' });
export const CollectionPage = Type.Object(
  { items: Type.Array(Type.Ref('Collection')), nextCursor: NextCursor },
  { title: 'CollectionPage', description: 'Newest cycle first' },
);

export const ScriptOutcomesBody = Type.Object(
  {
    customerId: CustomerId,
    outcomes: Type.Array(
      Type.Object(
        {
          outcome: Type.Union(['SUCCEED', 'DECLINE', 'TRANSIENT_FAILURE'].map((name) => Type.Literal(name)), {
            description: 'SUCCEED; DECLINE: a business decline, the cycle goes into dunning; TRANSIENT_FAILURE: the provider ' +
              'cannot be reached, the attempt is retried at once and is not a decline',
            errorMessage: 'must be one of SUCCEED, DECLINE, TRANSIENT_FAILURE',
          }),
          reason: Type.Optional(TextValue('Shown as the collection failureReason of a decline', SCRIPTED_REASON_MAX_CHARS)),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: SCRIPTED_OUTCOMES_MAX, description: `1–${SCRIPTED_OUTCOMES_MAX} outcomes, taken in order by the next charge attempts` },
    ),
  },
  { additionalProperties: false },
);

export const ScriptOutcomesReply = Type.Object(
  { queued: Type.Integer({ minimum: 0, description: 'How many outcomes are now queued for the customer' }) },
  { title: 'ScriptedOutcomes' },
);
