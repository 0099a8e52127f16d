import { ValidationError } from '@varde/core';
import type { Colour } from '../domain/triage-rules';
import type { WorklistCursor } from '../infrastructure/worklist.query';

const COLOURS: readonly Colour[] = ['red', 'yellow', 'green'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The opaque `page_token` that continues the worklist after `cursor` (base64url JSON; clients must not look inside). */
export function encodePageToken(cursor: WorklistCursor): string {
  return Buffer.from(JSON.stringify([cursor.colour, cursor.since, cursor.patientId])).toString('base64url');
}

/** The cursor in a `page_token` from {@link encodePageToken}; undefined for an empty token (first page). */
export function decodePageToken(token: string): WorklistCursor | undefined {
  if (token === '') return undefined;
  const invalid = ValidationError.field('page_token', 'expected the next_page_token of a previous ListWorklist answer');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw invalid;
  const [colour, since, patientId] = parsed as unknown[];
  if (!COLOURS.includes(colour as Colour) || typeof since !== 'string' || Number.isNaN(Date.parse(since)) || typeof patientId !== 'string' || !UUID.test(patientId)) throw invalid;
  return { colour: colour as Colour, since, patientId };
}
