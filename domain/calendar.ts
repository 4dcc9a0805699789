import { ValidationError } from './errors';

/** UTC calendar days as `YYYY-MM-DD`: the API's dates, and the days of the balance snapshots. */

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 24 * 3600 * 1000;

/** The first moment of a UTC day. */
export function dayStart(date: string): Date {
  const start = new Date(`${date}T00:00:00.000Z`);
  if (!DATE_PATTERN.test(date) || Number.isNaN(start.getTime()) || start.toISOString().slice(0, 10) !== date) {
    throw new ValidationError(`${date} is not a date (YYYY-MM-DD)`, 'date');
  }
  return start;
}

/** The UTC day a moment falls on. */
export const utcDate = (moment: Date): string => moment.toISOString().slice(0, 10);

export const addDays = (date: string, days: number): string => utcDate(new Date(dayStart(date).getTime() + days * DAY_MS));

/** The UTC day before the one `now` falls on: the latest day that has ended. */
export const yesterday = (now: Date): string => addDays(utcDate(now), -1);

/** Every day from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) days.push(d);
  return days;
}
