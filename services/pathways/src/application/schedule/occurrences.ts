import { DateTime, Duration } from 'luxon';
import { deterministicId } from '@varde/event-sourcing';
import { DAYS_OF_WEEK, type PathwayActivity } from '../../domain/pathway-definition';

/** The patient's time zone unless told otherwise: Varde's patients live in Norway. */
export const DEFAULT_ZONE = 'Europe/Oslo';

/** One time an activity falls due: its local slot (the same whatever the zone), and when it is due and its window ends, in UTC. */
export type Occurrence = Readonly<{ taskId: string; activityId: string; slot: string; dueAt: string; windowEnd: string }>;

/**
 * The id of the task for an activity's local slot in an enrolment. It does not depend on the time zone, so a patient
 * who moves to another zone gets the same tasks again (moved in time), not a second set.
 */
export const taskIdOf = (enrolmentId: string, activityId: string, slot: string): string => deterministicId(`task:${enrolmentId}:${activityId}:${slot}`);

function firesOn(activity: PathwayActivity, day: DateTime, anchorDay: DateTime): boolean {
  const { period, periodUnit, dayOfWeek } = activity.schedule;
  const days = Math.round(day.diff(anchorDay, 'days').days);
  if (days < 0) return false;
  if (dayOfWeek) {
    if (!dayOfWeek.includes(DAYS_OF_WEEK[day.weekday - 1]!)) return false;
    // "Every 2 weeks on Monday": count whole weeks from the Monday of the enrolment's week.
    if (periodUnit === 'wk' && period && period > 1) return Math.floor(day.startOf('week').diff(anchorDay.startOf('week'), 'weeks').weeks + 0.5) % period === 0;
    return true;
  }
  if (!period) return false;
  return days % (periodUnit === 'wk' ? period * 7 : period) === 0;
}

/**
 * The occurrences of an activity due in [from, to), for an enrolment that started at `start`, in the patient's
 * `zone`. Times of day are local wall-clock times: across a daylight-saving change the task stays at 08:00 local
 * (23 or 25 hours after the previous one); a time that does not exist that night (02:30 on the last Sunday of March)
 * falls due when the clocks have gone forward, and a time that happens twice (02:30 on the last Sunday of October)
 * falls due once. Windows are added in local time too ("P1D" ends at the same wall-clock time the next day).
 */
export function occurrencesOf(activity: PathwayActivity, enrolmentId: string, start: string, from: string, to: string, zone: string = DEFAULT_ZONE): Occurrence[] {
  const startAt = DateTime.fromISO(start, { zone });
  const fromAt = DateTime.fromISO(from, { zone });
  const toAt = DateTime.fromISO(to, { zone });
  const anchorDay = startAt.startOf('day');
  const window = Duration.fromISO(activity.schedule.window);
  const found: Occurrence[] = [];
  for (let day = fromAt.startOf('day'); day < toAt; day = day.plus({ days: 1 })) {
    if (!firesOn(activity, day, anchorDay)) continue;
    for (const time of activity.schedule.timeOfDay) {
      const [hour, minute, second] = time.split(':').map(Number) as [number, number, number];
      const due = DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour, minute, second }, { zone });
      if (due < fromAt || due >= toAt || due < startAt) continue;
      const slot = `${day.toISODate()}T${time}`;
      found.push({ taskId: taskIdOf(enrolmentId, activity.id, slot), activityId: activity.id, slot, dueAt: due.toUTC().toISO()!, windowEnd: due.plus(window).toUTC().toISO()! });
    }
  }
  return found;
}
