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

/** Varde's internal patient id: a UUID, lower case. */
export const PATIENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Checks a path's patient id: Varde's internal id, a UUID. */
export function parsePatientId(patientId: string): string {
  if (!PATIENT_ID.test(patientId)) throw ValidationError.field('patientId', 'expected an internal patient id (UUID)');
  return patientId;
}

/** One part of a name: trimmed, inner spaces collapsed, 1–100 characters, no control characters. */
const namePart = (what: string) =>
  z
    .string({ required_error: `required: the ${what}`, invalid_type_error: `expected the ${what} as a string` })
    .transform((text) => text.trim().replace(/\s+/g, ' '))
    .pipe(
      z
        .string()
        .min(1, `expected the ${what}: 1–100 characters`)
        .max(100, `expected the ${what}: 1–100 characters`)
        .regex(/^[^\p{C}]*$/u, `expected the ${what} as text, without control characters`),
    );

/**
 * A patient's name in an enrolment body, as the EHR or the national register gives it (a subset of FHIR's HumanName):
 * `{"family": "Nordmann", "given": ["Kari", "Anne"]}`; `given` optional, up to 5.
 */
export const personNameField = z
  .object(
    {
      family: namePart('family name'),
      given: z.array(namePart('given name'), { invalid_type_error: 'expected a list of given names, e.g. ["Kari"]' }).max(5, 'expected at most 5 given names').default([]),
    },
    { invalid_type_error: 'expected {"family": "<family name>", "given": ["<given name>"]}' },
  )
  .strict();
