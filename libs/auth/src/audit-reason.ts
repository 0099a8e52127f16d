import { ValidationError } from '@varde/core';

/** The request header (over gRPC, the call metadata key) an auditor states their reason in (issue #22 item 6), in every service an auditor reads a patient's data from. */
export const AUDIT_REASON_HEADER = 'audit-reason';

const MIN_REASON = 4;
const MAX_REASON = 500;

/**
 * The auditor's stated reason for opening a patient: required, 4–500 characters of text on one line, e.g.
 * `complaint 2026/117 from the patient`. It is written to the patient's access log with the read.
 */
export function parseAuditReason(value: string | string[] | undefined): string {
  const reason = (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
  if (reason === '') throw ValidationError.field(AUDIT_REASON_HEADER, `required: why you open this patient (e.g. "complaint 2026/117"), in the ${AUDIT_REASON_HEADER} header (over gRPC: call metadata); it is written to the patient's access log`);
  if (reason.length < MIN_REASON || reason.length > MAX_REASON) throw ValidationError.field(AUDIT_REASON_HEADER, `expected ${MIN_REASON} to ${MAX_REASON} characters; got ${reason.length}`);
  if (/[\u0000-\u001f\u007f]/.test(reason)) throw ValidationError.field(AUDIT_REASON_HEADER, 'expected text on one line, without control characters');
  return reason;
}
