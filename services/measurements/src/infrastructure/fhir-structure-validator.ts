import { Inject, Injectable } from '@nestjs/common';
import type { FieldIssue } from '@varde/core';
import { indexR4Definitions, r4Issues } from '@varde/fhir';
import { LOGGER } from '@varde/platform';
import type { Logger } from '@varde/telemetry';
import { observationTemplate } from './observation-template';
import { RecentlyWellFormed } from './recently-well-formed';

/** How many well-formed Observation templates are remembered (a few hundred bytes each); the oldest go first. */
export const TEMPLATE_CACHE_SIZE = 10_000;

/**
 * Structural FHIR R4 validation (element names, types, cardinality, invariants, see `r4Issues` in @varde/fhir).
 *
 * Full validation costs ~0.3 ms per Observation, most of it FHIRPath invariants, while a device sends the
 * same shape again and again with a new value, time and identifier. So an Observation is validated as its
 * template (observation-template.ts: those readings' values replaced by fixed ones of the same FHIR type, after
 * checking each with FHIR's own rule for its type), and the template of a resource found well-formed is
 * remembered.
 * Anything that does not fit a template, and every resource with a problem, is validated whole, so the
 * issues name the sender's own elements.
 */
@Injectable()
export class FhirStructureValidator {
  private readonly wellFormed = new RecentlyWellFormed(TEMPLATE_CACHE_SIZE);

  constructor(@Inject(LOGGER) logger: Logger) {
    logger.info({ ms: Math.round(indexR4Definitions()) }, 'FHIR R4 definitions indexed for structural validation');
  }

  /** Issues naming each offending element, e.g. `Observation.valueQuantity.value`; empty when the resource is well-formed. */
  issues(resource: Record<string, unknown>): FieldIssue[] {
    const template = observationTemplate(resource);
    if (template === undefined) return r4Issues(resource);
    const key = JSON.stringify(template);
    if (this.wellFormed.has(key)) return [];
    // The resource is well-formed exactly when its template is, so its own verdict decides what is remembered.
    const issues = r4Issues(resource);
    if (issues.length > 0) return issues;
    this.wellFormed.add(key);
    return [];
  }
}
