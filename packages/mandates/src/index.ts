export {
  FREQUENCIES, changeFrequency, collectionMoment, dueDate, dueDateOfCycle, firstCycleDueOnOrAfter, isFrequency, isScheduled,
  nextCollections, reminderDate, scheduleFrom, withEndDate, type Frequency, type Schedule,
} from './schedule.ts';
