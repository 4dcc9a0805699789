import { z } from '@hono/zod-openapi';

// Dates and times: years 1970 to 9999 as written (year 0 and its like are valid ISO but no
// Postgres date). A timestamp's year stops at 9998, so its instant in UTC stays below year 10000
// whatever its offset (a Date there serialises as "+010000-..." which Postgres refuses).

const YEARS_1970_9998 = '(?:19[7-9][0-9]|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9])';
const MONTH_DAY = '-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])';
const TIME = 'T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]+)?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])';

/** ISO 8601 date-time with seconds and an offset (Z or +hh:mm), years 1970-9998. */
export const TimestampIn = z.iso
  .datetime({ offset: true, error: 'must be a date-time such as 2026-11-25T10:00:00Z' })
  .regex(new RegExp(`^${YEARS_1970_9998}${MONTH_DAY}${TIME}$`), 'must lie in the years 1970 to 9998')
  .openapi({ format: 'date-time', example: '2026-11-25T10:00:00Z' });

/**
 * A UTC calendar day, YYYY-MM-DD, years 1970-9998: a day's end (the next midnight, which ranges
 * and statements query up to) must stay below year 10000 too, so 9999-12-31 is 400, never a 500.
 */
export const DateIn = z.iso
  .date('must be a date such as 2026-11-24')
  .regex(new RegExp(`^${YEARS_1970_9998}${MONTH_DAY}$`), 'must lie in the years 1970 to 9998')
  .openapi({ format: 'date', example: '2026-11-24', description: 'UTC date, YYYY-MM-DD' });
