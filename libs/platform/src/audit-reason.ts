import { parseAuditReason, AUDIT_REASON_HEADER } from '@varde/auth';
import type { MetadataHeaders } from './command-metadata';

export { AUDIT_REASON_HEADER, parseAuditReason } from '@varde/auth';

/** The auditor's stated reason from the request's headers (required of an auditor, see parseAuditReason); undefined for every other role. */
export function auditReasonOf(role: string, headers: MetadataHeaders): string | undefined {
  return role === 'auditor' ? parseAuditReason(headers[AUDIT_REASON_HEADER]) : undefined;
}
