import { ValidationError } from '@varde/core';
import type { TimelinePosition } from '../../application/audit/audit-trail.port';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An optional ISO 8601 instant query parameter (with its offset), as a normalised ISO string; never later than `notAfter` when given. */
export function parseInstant(name: string, value: unknown, notAfter?: Date): string | undefined {
  if (value === undefined) return undefined;
  const date = typeof value === 'string' && ISO_INSTANT.test(value) ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw ValidationError.field(name, `expected an ISO 8601 instant with its offset, e.g. 2026-11-01T08:00:00Z; got "${String(value)}"`);
  if (notAfter && date.getTime() > notAfter.getTime()) throw ValidationError.field(name, `is in the future (${date.toISOString()}, now ${notAfter.toISOString()}): nothing is known about it yet`);
  return date.toISOString();
}

/** The opaque `?page=` token of the page after `position`. */
export const timelinePageToken = (position: TimelinePosition): string => Buffer.from(JSON.stringify([position.effectiveTime, position.recordedTime, position.eventId])).toString('base64url');

/** Parses `?page=` (a `next` token this API handed out); ValidationError naming `page` otherwise. */
export function parseTimelinePageToken(value: unknown): TimelinePosition | undefined {
  if (value === undefined) return undefined;
  try {
    const [effectiveTime, recordedTime, eventId] = JSON.parse(Buffer.from(String(value), 'base64url').toString('utf8')) as unknown[];
    if (typeof effectiveTime === 'string' && typeof recordedTime === 'string' && typeof eventId === 'string' && !Number.isNaN(Date.parse(effectiveTime)) && !Number.isNaN(Date.parse(recordedTime))) {
      return { effectiveTime, recordedTime, eventId };
    }
  } catch {
    // reported below
  }
  throw ValidationError.field('page', 'expected the "next" token of the previous page, unchanged');
}

const PATHWAY_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A required period [from, to) and an optional pathway id, from query parameters; ValidationError naming the field otherwise. */
export function parsePeriod(query: Record<string, unknown>): Readonly<{ from: string; to: string; pathwayId?: string }> {
  const from = parseInstant('from', query.from);
  const to = parseInstant('to', query.to);
  if (!from) throw ValidationError.field('from', 'required: the start of the period, e.g. 2026-11-01T00:00:00Z');
  if (!to) throw ValidationError.field('to', 'required: the end of the period (exclusive), e.g. 2026-12-01T00:00:00Z');
  if (from >= to) throw ValidationError.field('to', `expected an instant after from (${from})`);
  const pathwayId = query.pathway;
  if (pathwayId !== undefined && (typeof pathwayId !== 'string' || !PATHWAY_ID.test(pathwayId))) throw ValidationError.field('pathway', 'expected a pathway id, e.g. copd');
  return { from, to, ...(pathwayId ? { pathwayId } : {}) };
}
