import { ValidationError } from '@varde/core';
import { z } from 'zod';
import type { PathwayReference } from '../application/pathway-directory.port';

/** A pathway named in a request body: its id ("copd"), or a PlanDefinition url or id. */
export const pathwayField = z.string({ required_error: 'required: the pathway id ("copd") or a PlanDefinition url or id', invalid_type_error: 'expected a pathway id, PlanDefinition url or id string' });
/** The pathway version named in a request body; absent: the active one. */
export const versionField = z.number({ invalid_type_error: 'expected a pathway version number' }).int('expected a whole version number').positive('expected a version of 1 or more').optional();

/** The pathway reference of a parsed body's `pathway` and optional `version`. */
export const pathwayReference = (body: { pathway: string; version?: number | undefined }): PathwayReference => ({
  pathway: body.pathway,
  ...(body.version === undefined ? {} : { version: body.version }),
});

/** Checks a path's patient id: Varde's internal id, a UUID. */
export function parsePatientId(patientId: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(patientId)) throw ValidationError.field('patientId', 'expected an internal patient id (UUID)');
  return patientId;
}
