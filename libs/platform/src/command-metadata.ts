import { randomUUID } from 'node:crypto';
import type { CommandMetadata } from '@varde/core';
import { AUDIT_REASON_HEADER, parseAuditReason, toActor, type Principal } from '@varde/auth';
import { currentTraceContext } from '@varde/telemetry';

/** Request headers that shape command metadata. */
export type MetadataHeaders = Readonly<Record<string, string | string[] | undefined>>;

/**
 * Metadata for a command issued over HTTP: the caller from the token, the correlation id from
 * `X-Correlation-Id` (or a new one), the command id from `Idempotency-Key` (so a client's retry writes
 * nothing twice) or a new one, the time from the server's clock, and the active trace.
 */
export function commandMetadataFrom(principal: Principal, headers: MetadataHeaders, now: Date = new Date()): CommandMetadata {
  const header = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const idempotencyKey = header('idempotency-key');
  const commandId = idempotencyKey ? `${principal.subject}:${idempotencyKey}` : randomUUID();
  const trace = currentTraceContext();
  const auditReason = principal.role === 'auditor' && headers[AUDIT_REASON_HEADER] !== undefined ? parseAuditReason(headers[AUDIT_REASON_HEADER]) : undefined;
  return {
    commandId,
    correlationId: header('x-correlation-id') ?? commandId,
    actor: toActor(principal),
    now: now.toISOString(),
    ...(trace.traceparent ? { traceparent: trace.traceparent } : {}),
    ...(trace.tracestate ? { tracestate: trace.tracestate } : {}),
    ...(auditReason ? { auditReason } : {}),
  };
}
