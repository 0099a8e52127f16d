import { ValidationError } from '@varde/core';
import type { z } from 'zod';

/** Validates a request body against a schema, naming every offending field (e.g. `patient.nationalId`). */
export function parseBody<S extends z.ZodTypeAny>(schema: S, body: unknown): z.infer<S> {
  if (body === undefined || body === null || typeof body !== 'object') {
    throw ValidationError.field('body', 'expected a JSON object');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((issue) => ({
      field: issue.path.join('.') || 'body',
      message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
    })),
  );
}
