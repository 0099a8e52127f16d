import { ValidationError } from '@varde/core';
import { parseResource } from '@varde/fhir';
import { z } from 'zod';
import type { CorrectionRequest } from '../application/correct-measurement.handler';
import type { MeasurementView } from '../application/measurement.view';

const RESOURCE = 'Observation';

// The whole Observation may be sent back (as read, with the change); only these elements are looked at.
const CorrectionBody = z
  .object({
    resourceType: z.literal(RESOURCE, { errorMap: () => ({ message: `expected "${RESOURCE}"` }) }),
    id: z.string().optional(),
    status: z.enum(['amended', 'corrected', 'entered-in-error'], { errorMap: () => ({ message: 'expected "amended" (or "corrected") with a new value, or "entered-in-error"' }) }),
    subject: z.object({ reference: z.string() }).passthrough().optional(),
    effectiveDateTime: z.string().optional(),
    valueQuantity: z.object({ value: z.number({ invalid_type_error: 'expected a JSON number, not a string' }).finite('expected a finite number'), code: z.string().optional(), unit: z.string().optional() }).passthrough().optional(),
    note: z.array(z.object({ text: z.string() }).passthrough()).optional(),
  })
  .passthrough();

/**
 * Reads a `PUT /fhir/Observation/:id` correction. The reason is `note[0].text`, or the `X-Correction-Reason`
 * header when there is no note. The subject and effective time cannot be changed by a correction (that is a
 * different measurement: mark this one entered-in-error and record the right one).
 */
export function correctionOf(body: unknown, id: string, current: MeasurementView, reasonHeader: string | undefined): CorrectionRequest {
  const obs = parseResource(CorrectionBody, body, RESOURCE);
  if (obs.id !== undefined && obs.id !== id) throw ValidationError.field('Observation.id', `expected "${id}", the id in the URL`);
  if (obs.subject && obs.subject.reference !== `Patient/${current.patientId}`) throw ValidationError.field('Observation.subject', 'cannot be changed by a correction; mark it entered-in-error and record it for the right patient');
  if (obs.effectiveDateTime !== undefined && Date.parse(obs.effectiveDateTime) !== Date.parse(current.effectiveTime)) {
    throw ValidationError.field('Observation.effectiveDateTime', 'cannot be changed by a correction; mark it entered-in-error and record it again');
  }
  const reason = obs.note?.[0]?.text ?? reasonHeader ?? '';
  // Invalid input, as a missing reason is everywhere in Varde (400), named where the client writes it.
  if (!reason.trim()) throw ValidationError.field('Observation.note[0].text', 'required: why the measurement is corrected (or the X-Correction-Reason header)');
  if (obs.status === 'entered-in-error') return { kind: 'entered-in-error', reason };
  if (!obs.valueQuantity) throw ValidationError.field('Observation.valueQuantity', `required for an amendment: the right value in "${current.unit}"`);
  return { kind: 'amend', value: obs.valueQuantity.value, unit: obs.valueQuantity.code ?? obs.valueQuantity.unit ?? current.unit, reason };
}
