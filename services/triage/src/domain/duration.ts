/*
 * ISO 8601 durations as rule sets write them: days, hours and minutes only ("P3D", "PT48H", "P1DT12H",
 * "PT30M"). Months and years have no fixed length and are refused, so a window means the same span on
 * every replay.
 */

const DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/;
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Milliseconds of an ISO 8601 duration of days/hours/minutes; undefined when the text is not one or is zero. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) return undefined;
  const [, days = '0', hours = '0', minutes = '0'] = match;
  const ms = Number(days) * DAY_MS + Number(hours) * HOUR_MS + Number(minutes) * MINUTE_MS;
  return ms > 0 ? ms : undefined;
}

/** A span as a clinician reads it: "24 h", "48 h", "3 days", "90 min". */
export function describeDuration(ms: number): string {
  if (ms % DAY_MS === 0 && ms > DAY_MS * 2) return `${ms / DAY_MS} days`;
  if (ms % HOUR_MS === 0) return `${ms / HOUR_MS} h`;
  return `${Math.round(ms / MINUTE_MS)} min`;
}

/** One hour, in milliseconds. */
export const HOUR = HOUR_MS;
/** One day, in milliseconds. */
export const DAY = DAY_MS;
