import { type FieldIssue, LOINC, measurementTypeOf, ValidationError } from '@varde/core';
import { fhirElementPath, parseResource } from '@varde/fhir';
import { z } from 'zod';
import { canonicalSamples } from '../application/canonical-quantity';
import type { SampleChunkInput } from '../application/record-sample-chunk.handler';
import { assessEffectiveTime } from '../domain/measurement-plausibility';
import type { DeviceDetails } from '../domain/measurement.events';
import { formatSamples, parseSamples } from '../domain/sampled-data';
import { deviceOf, measuredCoding, named, ObservationBody, Quantity, subjectPatientId, type ObservationContext } from './observation.validation';

const RESOURCE = 'Observation';
const DATE_TIME = z.string({ required_error: 'required: when sample 0 was taken (ISO 8601 date-time)' }).datetime({ offset: true, message: 'expected an ISO 8601 date-time with time zone, e.g. 2026-11-22T08:00:00+01:00' });
const finite = (what: string) => z.number({ invalid_type_error: 'expected a JSON number, not a string' }).finite(`expected a finite number (${what})`);

const SampledData = z
  .object(
    {
      origin: Quantity,
      period: finite('milliseconds between samples').positive('must be above 0 (milliseconds between samples)'),
      factor: finite('multiplier of each sample').refine((f) => f !== 0, 'must not be 0').optional(),
      lowerLimit: finite('lower detection limit, for L').optional(),
      upperLimit: finite('upper detection limit, for U').optional(),
      dimensions: z.literal(1, { errorMap: () => ({ message: 'expected 1: Varde takes one value per sample (send each dimension as its own chunk)' }) }),
      data: z.string({ required_error: 'required: the samples, decimals or E/L/U separated by spaces' }),
    },
    { required_error: 'required: {"origin": {...}, "period": <ms>, "dimensions": 1, "data": "..."}' },
  )
  .passthrough();

const SampledObservationBody = ObservationBody.omit({ effectiveDateTime: true, effectiveInstant: true, valueQuantity: true, component: true })
  .extend({
    effectivePeriod: z.object({ start: DATE_TIME, end: DATE_TIME.optional() }, { required_error: 'required: {"start": <when sample 0 was taken>}' }).passthrough(),
    valueSampledData: SampledData,
  })
  .passthrough();

/** A chunk that passed validation; the caller adds provenance. */
export type ValidSampledObservation = Omit<SampleChunkInput, 'provenance'> & { deviceReference?: string; device?: DeviceDetails };

/** What chunk validation needs besides an Observation's context: the limits of one chunk. */
export type SampledContext = ObservationContext & Readonly<{ maxSamples: number; maxChunkMs: number }>;

/** True when a body is a chunk of samples (FHIR `valueSampledData`) rather than one value. */
export const isSampledObservation = (body: unknown): boolean => typeof body === 'object' && body !== null && 'valueSampledData' in body;

// Senders differ on whether effectivePeriod.end is the last sample's time or the end of its period; both are accepted.
const TOLERANCE_MS = 1;

/**
 * Validates a chunk of a continuous stream (FHIR R4 Observation with `valueSampledData` and `effectivePeriod`):
 * a LOINC code, an origin unit convertible to the code's canonical unit, a period above 0, every sample a
 * decimal or E/L/U, at most `maxSamples` samples spanning at most `maxChunkMs`, an `effectivePeriod.end` (when
 * sent) that fits the sample count, not in the future. Samples come back in the canonical unit; plausibility of
 * each is the decider's. Issues name the element, e.g. `Observation.valueSampledData.data`.
 */
export function validateSampledObservation(body: unknown, context: SampledContext): ValidSampledObservation {
  const obs = parseResource(SampledObservationBody, body, RESOURCE);
  const issues: FieldIssue[] = [];
  const issue = (field: string, message: string): void => void issues.push({ field: fhirElementPath(RESOURCE, field), message });
  const sampled = obs.valueSampledData;

  const coding = measuredCoding(obs.code.coding);
  if (!coding) issue('code.coding', `expected a LOINC coding (system "${LOINC}"), e.g. one of ${named}`);
  const type = coding && measurementTypeOf(coding.system, coding.code, sampled.origin.code);
  if (type?.components) issue('code.coding', `${type.display} has components; send each part (${type.components.map((c) => c.code).join(', ')}) as its own chunk`);

  const tokens = sampled.data.length === 0 ? 0 : sampled.data.trim().split(/\s+/).length;
  if (tokens > context.maxSamples) throw ValidationError.field(fhirElementPath(RESOURCE, 'valueSampledData.data'), `${tokens} samples; at most ${context.maxSamples} per chunk: split the stream into several chunks`);
  const parsed = parseSamples(sampled.data);
  let samples = 'samples' in parsed ? parsed.samples : undefined;
  if (!('samples' in parsed)) issue('valueSampledData.data', `sample ${parsed.badIndex} is "${parsed.token.slice(0, 20)}"; expected a decimal number or E, L, U`);
  else if (parsed.samples.length === 0) issue('valueSampledData.data', 'required: at least one sample');

  const start = Date.parse(obs.effectivePeriod.start);
  const count = samples?.length ?? 0;
  const span = count * sampled.period;
  // A span past the limit (a period of 1e300 ms) is refused here; the checks after it compute dates from it.
  const spanFits = span <= context.maxChunkMs;
  if (!spanFits) issue('valueSampledData', `the chunk spans ${span > 1e12 ? 'more than 30 years' : `${Math.round(span / 1000)} s`}; at most ${context.maxChunkMs / 1000} s per chunk: split it`);
  if (spanFits && samples && count > 0 && obs.effectivePeriod.end !== undefined) {
    const end = Date.parse(obs.effectivePeriod.end);
    const fits = [start + span, start + span - sampled.period].some((expected) => Math.abs(end - expected) <= TOLERANCE_MS);
    if (!fits) issue('effectivePeriod.end', `does not fit ${count} samples every ${sampled.period} ms from ${new Date(start).toISOString()}: expected ${new Date(start + span).toISOString()} (or the last sample's time)`);
  }
  const future = spanFits && count > 0 ? assessEffectiveTime(new Date(start + span - sampled.period).toISOString(), context.now, context.maxFutureMs) : undefined;
  if (future) issue('effectivePeriod', `the last sample ${future.message}`);

  if (type && !type.components && samples) {
    const converted = canonicalSamples(context.units, samples, { origin: sampled.origin.value, factor: sampled.factor ?? 1, unit: sampled.origin.code }, type.canonicalUnit, fhirElementPath(RESOURCE, 'valueSampledData.origin.code'));
    if (Array.isArray(converted)) samples = converted;
    else issues.push(converted);
  }
  const patientId = subjectPatientId(obs.subject.reference, issue);
  const device = obs.device && deviceOf(obs, issue);
  if (issues.length > 0 || !coding || !type || !patientId || !samples) throw new ValidationError(issues.length > 0 ? issues : [{ field: RESOURCE, message: 'no samples' }]);

  const identifier = obs.identifier?.[0];
  const canonical = formatSamples(samples);
  return {
    patientId,
    observationStatus: obs.status,
    code: { system: coding.system!, code: coding.code! },
    unit: type.canonicalUnit,
    start: new Date(start).toISOString(),
    periodMs: sampled.period,
    samples,
    original: {
      unit: sampled.origin.code,
      origin: sampled.origin.value,
      ...(sampled.factor !== undefined ? { factor: sampled.factor } : {}),
      ...(sampled.lowerLimit !== undefined ? { lowerLimit: sampled.lowerLimit } : {}),
      ...(sampled.upperLimit !== undefined ? { upperLimit: sampled.upperLimit } : {}),
      ...(canonical !== sampled.data ? { data: sampled.data } : {}),
    },
    ...(identifier ? { identifier: { system: identifier.system, value: identifier.value } } : {}),
    ...(device?.reference ? { deviceReference: device.reference } : {}),
    ...(device?.details ? { device: device.details } : {}),
  };
}
