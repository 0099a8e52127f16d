import { ValidationError } from '@varde/core';
import { parseBody } from './parse-body';
import type { z } from 'zod';

/** A field path from validation (`item.3.answer.0.valueInteger`) as a FHIR element path (`QuestionnaireResponse.item[3].answer[0].valueInteger`). */
export function fhirElementPath(resourceType: string, field: string): string {
  if (field === '' || field === 'body') return resourceType;
  return `${resourceType}.${field.replace(/\.(\d+)(?=\.|$)/g, '[$1]')}`;
}

/** {@link parseBody} for a FHIR resource: every issue names its element, e.g. `QuestionnaireResponse.status`. */
export function parseResource<S extends z.ZodTypeAny>(schema: S, body: unknown, resourceType: string): z.infer<S> {
  try {
    return parseBody(schema, body);
  } catch (error) {
    if (!(error instanceof ValidationError) || typeof body !== 'object' || body === null) throw error;
    throw new ValidationError(error.issues.map((i) => ({ field: fhirElementPath(resourceType, i.field), message: i.message })));
  }
}
