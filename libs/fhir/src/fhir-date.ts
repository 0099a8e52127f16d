/** The time zone in which a FHIR date without a time (`2026-12-01`, `2026-12`, `2026`) is read: Norwegian wall-clock time. */
export const FHIR_DATE_TIME_ZONE = 'Europe/Oslo';

/**
 * The earliest point in time Varde accepts in a clinical date (an effective time, an `authored` date). R4 allows
 * year 0001, but every consumer does not (protobuf Timestamps, triage windows), and no home measurement or answer
 * is that old: anything earlier is a sender's bug, refused at the edge.
 */
export const EARLIEST_CLINICAL_DATE = '1900-01-01T00:00:00Z';

/** The precision a FHIR date or dateTime was given with. */
export type FhirDatePrecision = 'year' | 'month' | 'day' | 'time';

/** A FHIR date/dateTime as the half-open range of instants it stands for, with its precision. */
export type FhirDateRange = Readonly<{ start: Date; end: Date; precision: FhirDatePrecision }>;

const DATE_TIME = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * The range of instants a FHIR `date`, `dateTime` or `instant` denotes: `2026` is all of 2026, `2026-12-01` that
 * day, both in {@link FHIR_DATE_TIME_ZONE}; a time with a zone is the instant itself (to the precision given:
 * `10:00` covers that minute, `10:00:00` that second). Undefined when the text is not such a value.
 */
export function fhirDateRange(value: string, timeZone: string = FHIR_DATE_TIME_ZONE): FhirDateRange | undefined {
  const m = DATE_TIME.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  const year = Number(y);
  const month = mo === undefined ? 1 : Number(mo);
  const day = d === undefined ? 1 : Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (h !== undefined) {
    if (zone === undefined || Number(h) > 23 || Number(mi) > 59 || (s !== undefined && Number(s) > 59)) return undefined;
    const start = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${fraction ?? ''}${zone}`);
    if (Number.isNaN(start.getTime())) return undefined;
    const step = s === undefined ? 60_000 : fraction === undefined ? 1000 : 1;
    return { start, end: new Date(start.getTime() + step), precision: 'time' };
  }
  const precision: FhirDatePrecision = d !== undefined ? 'day' : mo !== undefined ? 'month' : 'year';
  const next = precision === 'day' ? [year, month, day + 1] : precision === 'month' ? [year, month + 1, 1] : [year + 1, 1, 1];
  return { start: wallClockStart(year, month, day, timeZone), end: wallClockStart(next[0]!, next[1]!, next[2]!, timeZone), precision };
}

/** The instant a FHIR date/dateTime is taken to mean where one point in time is needed: the start of its range. */
export function fhirDateStart(value: string, timeZone: string = FHIR_DATE_TIME_ZONE): Date | undefined {
  return fhirDateRange(value, timeZone)?.start;
}

function daysIn(year: number, month: number): number {
  return new Date(utcMidnight(year, month + 1, 0)).getUTCDate();
}

/** Midnight UTC of a day (Date.UTC would read years 0-99 as 1900-1999; day and month may overflow). */
const utcMidnight = (year: number, month: number, day: number): number => new Date(0).setUTCFullYear(year, month - 1, day);

/** The instant local midnight starts on a day in `timeZone` (day and month may overflow). */
function wallClockStart(year: number, month: number, day: number, timeZone: string): Date {
  const utc = utcMidnight(year, month, day);
  // The zone's offset at the guess, then at the corrected instant (they differ only across a DST change).
  const first = utc - offsetAt(utc, timeZone);
  return new Date(utc - offsetAt(first, timeZone));
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The offset of `timeZone` from UTC at an instant, in milliseconds (Oslo: +1 h in winter, +2 h in summer). */
function offsetAt(instant: number, timeZone: string): number {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
  const local = utcMidnight(Number(parts['year']), Number(parts['month']), Number(parts['day'])) + ((Number(parts['hour']) * 60 + Number(parts['minute'])) * 60 + Number(parts['second'])) * 1000;
  return local - Math.floor(instant / 1000) * 1000;
}
