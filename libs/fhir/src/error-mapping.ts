import { UnprocessableError, ValidationError, VardeError, type FieldIssue } from '@varde/core';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { operationOutcome, type IssueCode } from './operation-outcome';
import { problemDetails, type ProblemDetails } from './problem-details';

/** An error as the HTTP edge answers it. */
export type HttpErrorResponse = Readonly<{ status: number; contentType: string; body: OperationOutcome | ProblemDetails }>;

const byKind: Record<VardeError['kind'], { status: number; title: string; fhir: IssueCode }> = {
  validation: { status: 400, title: 'Invalid request', fhir: 'invalid' },
  'illegal-state': { status: 409, title: 'Conflict', fhir: 'conflict' },
  'not-found': { status: 404, title: 'Not found', fhir: 'not-found' },
  concurrency: { status: 409, title: 'Conflict', fhir: 'conflict' },
  unauthorized: { status: 401, title: 'Unauthorized', fhir: 'login' },
  forbidden: { status: 403, title: 'Forbidden', fhir: 'forbidden' },
  unavailable: { status: 503, title: 'Service unavailable', fhir: 'transient' },
  unprocessable: { status: 422, title: 'Unprocessable request', fhir: 'business-rule' },
};

/** Errors raised by Fastify itself before our code runs (malformed JSON, body too large, wrong media type). */
type FrameworkError = { statusCode?: number; code?: string; message: string };

/**
 * The one mapping from any thrown error to an HTTP answer: FHIR OperationOutcome under /fhir, RFC 9457
 * problem details elsewhere. Unknown errors become a 500 without details; the caller logs them.
 */
export function toHttpError(error: unknown, fhir: boolean): HttpErrorResponse & { unexpected: boolean } {
  let status = 500;
  let title = 'Internal error';
  let fhirCode: IssueCode = 'exception';
  let issues: readonly FieldIssue[] = [{ field: '', message: 'An unexpected error occurred; it has been logged' }];
  let unexpected = true;
  if (error instanceof VardeError) {
    ({ status, title, fhir: fhirCode } = byKind[error.kind]);
    issues = error instanceof ValidationError ? error.issues : error instanceof UnprocessableError ? [{ field: error.field, message: error.message.slice(error.field.length + 2) }] : [{ field: '', message: error.message }];
    unexpected = false;
  } else if (isFrameworkError(error)) {
    ({ status, title, fhirCode, issues } = frameworkProblem(error));
    unexpected = status >= 500;
  }
  if (fhir) return { status, contentType: 'application/fhir+json', body: operationOutcome(fhirCode, issues), unexpected };
  const detail = issues.map((i) => (i.field ? `${i.field}: ${i.message}` : i.message)).join('; ');
  return { status, contentType: 'application/problem+json', body: problemDetails(status, title, detail, issues.filter((i) => i.field)), unexpected };
}

function isFrameworkError(error: unknown): error is FrameworkError {
  return typeof error === 'object' && error !== null && ('statusCode' in error || 'code' in error) && 'message' in error;
}

function frameworkProblem(error: FrameworkError): { status: number; title: string; fhirCode: IssueCode; issues: FieldIssue[] } {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, title: 'Malformed JSON', fhirCode: 'structure', issues: [{ field: 'body', message: `malformed JSON: ${error.message}` }] };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, title: 'Body too large', fhirCode: 'too-costly', issues: [{ field: 'body', message: 'the request body is larger than the limit' }] };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, title: 'Unsupported media type', fhirCode: 'not-supported', issues: [{ field: 'Content-Type', message: 'expected application/json or application/fhir+json' }] };
    default:
      if (error instanceof SyntaxError || (status === 400 && /JSON/i.test(error.message))) return { status: 400, title: 'Malformed JSON', fhirCode: 'structure', issues: [{ field: 'body', message: `malformed JSON: ${error.message}` }] };
      if (status === 404) return { status, title: 'Not found', fhirCode: 'not-found', issues: [{ field: '', message: error.message }] };
      if (status === 429) return { status, title: 'Too many requests', fhirCode: 'throttled', issues: [{ field: '', message: error.message }] };
      if (status < 500) return { status, title: 'Invalid request', fhirCode: 'invalid', issues: [{ field: '', message: error.message }] };
      return { status, title: 'Internal error', fhirCode: 'exception', issues: [{ field: '', message: 'An unexpected error occurred; it has been logged' }] };
  }
}
