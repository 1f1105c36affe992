// @billing/mandates: the mandate domain shared by the workflow and bill-service, with no I/O.
export {
  FREQUENCIES, changeFrequency, collectionMoment, dueDate, dueDateOfCycle, firstCycleDueOnOrAfter, isFrequency, isScheduled,
  nextCollections, reminderDate, scheduleFrom, withEndDate, type Frequency, type Schedule,
} from './schedule.ts';
export { UPCOMING_DEFAULT, UPCOMING_MAX, scheduleOf, scheduleView, upcomingCollections } from './upcoming.ts';
export type { CollectionStatus, CollectionTerms, CollectionView, MandateStatus, MandateView, MoneyView, ScheduleView } from './views.ts';
export {
  approveCollectionUpdate, cancelUpdate, changeTermsUpdate, mandateQuery, pauseUpdate, resumeUpdate,
} from './messages.ts';
export type { ApproveRequest, PauseRequest, TermsChange } from './messages.ts';
export { MANDATE_WORKFLOW_TYPE, collectionKey, mandateWorkflowId } from './workflow-ids.ts';
export type { MandateWorkflowInput } from './workflow-input.ts';
export { MANDATE_FAILURE_TYPES } from './failures.ts';
export type { AppliedControl, CarriedMandateState, CycleInProgress } from './carried-state.ts';
export { mandateSearchAttributePairs, mandateSearchAttributes } from './search-attributes.ts';
export {
  DESCRIPTION_MAX_CHARS, REMINDER_DAYS_MAX, checkNewMandate, checkTermsChange,
  type CheckedNewMandate, type MandateTermsContext, type NewMandateInput, type TermsCheck, type TermsCheckOptions, type TermsProblem,
} from './terms.ts';
export { SCRIPTED_OUTCOMES_MAX, SCRIPTED_REASON_MAX_CHARS } from './payment-simulator.ts';
