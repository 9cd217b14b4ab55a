/**
 * lib/schedule: when plans run. Schedules (presets or five-field cron expressions), their stored
 * string form, their description for the UI, and their next run times in a time zone, correct across
 * daylight-saving changes. Pure: no database, no clock of its own (callers pass `from`).
 */
export { CronError, parseCron, type CronSpec } from './cron';
export {
  ScheduleError,
  describeSchedule,
  nextRuns,
  parseSchedule,
  parseTimeOfDay,
  parseWeekday,
  serializeSchedule,
  toCronSpec,
  validateSchedule,
  type Schedule,
} from './schedule';
export { formatWallTime, summarizeSchedule, type ScheduleSummary } from './summary';
