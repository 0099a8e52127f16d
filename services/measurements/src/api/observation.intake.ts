import { Inject, Injectable } from '@nestjs/common';
import { nestsDeeperThan, ValidationError, type FieldIssue } from '@varde/core';
import { UnitConverter } from '../application/unit-converter';
import { FhirStructureValidator } from '../infrastructure/fhir-structure-validator';
import { validateObservation, type ValidObservation } from './observation.validation';
import { isSampledObservation, validateSampledObservation, type ValidSampledObservation } from './sampled-observation.validation';
import { STREAM_SETTINGS, type StreamSettings } from '../application/stream-settings';

/** A validated Observation: one value, or a chunk of samples of a continuous stream. */
export type ValidSubmission = Readonly<{ kind: 'point'; valid: ValidObservation } | { kind: 'chunk'; valid: ValidSampledObservation }>;

// The deepest Observation Varde accepts is about 6 levels; the FHIR validator recurses, so bound it well before the stack.
const MAX_DEPTH = 32;

/** DI token of how far ahead of the server's clock a measurement may be dated, in milliseconds. */
export const MAX_FUTURE_MS = Symbol('MAX_FUTURE_MS');

/**
 * Everything an Observation must pass before it becomes a command: FHIR R4 structure first (the FHIR
 * validator names unknown elements and wrong types), then Varde's semantics (codes, units, plausibility).
 */
@Injectable()
export class ObservationIntake {
  constructor(
    @Inject(FhirStructureValidator) private readonly structure: FhirStructureValidator,
    @Inject(UnitConverter) private readonly units: UnitConverter,
    @Inject(MAX_FUTURE_MS) private readonly maxFutureMs: number,
    @Inject(STREAM_SETTINGS) private readonly streams: StreamSettings,
  ) {}

  /**
   * The validated measurement, or a ValidationError whose fields name the element under `at`
   * (`Observation.valueQuantity.value`, or `Bundle.entry[3].resource.valueQuantity.value` for an entry).
   */
  check(body: unknown, at = 'Observation', now = new Date()): ValidSubmission {
    try {
      if (nestsDeeperThan(body, MAX_DEPTH)) throw ValidationError.field(at, `nested deeper than ${MAX_DEPTH} levels; an Observation never is`);
      if (typeof body === 'object' && body !== null && !Array.isArray(body) && (body as Record<string, unknown>)['resourceType'] === 'Observation') {
        const structural = this.structure.issues(body as Record<string, unknown>);
        if (structural.length > 0) throw new ValidationError(structural);
      }
      const context = { now, maxFutureMs: this.maxFutureMs, units: this.units };
      if (isSampledObservation(body)) return { kind: 'chunk', valid: validateSampledObservation(body, { ...context, maxSamples: this.streams.maxSamples, maxChunkMs: this.streams.maxChunkMs }) };
      return { kind: 'point', valid: validateObservation(body, context) };
    } catch (error) {
      if (!(error instanceof ValidationError) || at === 'Observation') throw error;
      throw new ValidationError(error.issues.map((i) => relocate(i, at)));
    }
  }
}

/** Moves an issue from `Observation…` to where the resource sits, e.g. `Bundle.entry[3].resource…`. */
export const relocate = (issue: FieldIssue, at: string): FieldIssue => ({ field: issue.field === 'body' ? at : issue.field.replace(/^Observation(?=\.|$)/, at), message: issue.message });
