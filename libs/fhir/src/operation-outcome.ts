import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { FieldIssue } from '@varde/core';

/** FHIR issue codes used by Varde (subset of http://hl7.org/fhir/issue-type). */
export type IssueCode = OperationOutcomeIssue['code'];

/** An OperationOutcome with one error issue per problem; `expression` names the offending element. */
export function operationOutcome(code: IssueCode, issues: readonly FieldIssue[] | string): OperationOutcome {
  const list = typeof issues === 'string' ? [{ field: '', message: issues }] : issues;
  return {
    resourceType: 'OperationOutcome',
    issue: list.map((i) => ({
      severity: 'error',
      code,
      diagnostics: i.field ? `${i.field}: ${i.message}` : i.message,
      ...(i.field ? { expression: [i.field] } : {}),
    })),
  };
}

/** An informational OperationOutcome (e.g. a successful batch entry). */
export const allOk = (message = 'All OK'): OperationOutcome => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'information', code: 'informational', diagnostics: message }],
});
