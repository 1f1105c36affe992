// A new mandate as bill-service writes it before its workflow has said anything, and what makes
// a retried create "the same" mandate.
import { parseLocalDate, type LocalDate } from '@billing/calendar';
import { scheduleFrom, scheduleView, type MandateView, type MandateWorkflowInput } from '@billing/mandates';
import type { NewMandateRow } from './mandates-repository.ts';
import type { CheckedNewMandate } from '@billing/mandates';

function date(text: string): LocalDate {
  const parsed = parseLocalDate(text);
  if (!parsed) throw new RangeError(`${JSON.stringify(text)} is not a YYYY-MM-DD date`);
  return parsed;
}

/** The read-model row the workflow would write for its input before its first cycle: ACTIVE, at cycle 1. */
export function newMandateRow(input: MandateWorkflowInput, amountMinor: string, workflowId: string): NewMandateRow {
  return {
    id: input.mandateId,
    customer_id: input.customerId,
    status: 'ACTIVE',
    description: input.description,
    amount_minor: amountMinor,
    currency: input.currency,
    frequency: input.frequency,
    first_collection_date: input.firstCollectionDate,
    end_date: input.endDate,
    time_zone: input.timeZone,
    collection_time: input.collectionTime,
    auto_execution: input.autoExecution,
    reminder_days_before: input.reminderDaysBefore,
    schedule: scheduleView(scheduleFrom(date(input.firstCollectionDate), input.frequency, input.endDate === null ? null : date(input.endDate))),
    next_cycle: 1,
    workflow_id: workflowId,
    created_at: new Date(input.createdAt),
  };
}

/** True when an existing mandate has exactly the terms a create asks for (customer and key are its id already). */
export function sameTerms(terms: CheckedNewMandate, mandate: MandateView): boolean {
  return terms.description === mandate.description
    && terms.amount === mandate.amount.amount
    && terms.currency === mandate.amount.currency
    && terms.frequency === mandate.frequency
    && terms.firstCollectionDate === mandate.firstCollectionDate
    && terms.endDate === mandate.endDate
    && terms.timeZone === mandate.timeZone
    && terms.collectionTime === mandate.collectionTime
    && terms.autoExecution === mandate.autoExecution
    && terms.reminderDaysBefore === mandate.reminderDaysBefore;
}
