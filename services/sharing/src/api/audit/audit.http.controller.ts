import type { AuditEvent, Bundle, Provenance } from '@medplum/fhirtypes';
import { Catch, Controller, Get, Headers, Inject, Param, Query, Res, UseFilters, type ArgumentsHost } from '@nestjs/common';
import { Access, assertAccess, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { ForbiddenError, ValidationError } from '@varde/core';
import { AUDIT_REASON_HEADER, commandMetadataFrom, HttpExceptionFilter, LOGGER, parseAuditReason, type MetadataHeaders } from '@varde/platform';
import type { Logger } from '@varde/telemetry';
import { fhirBaseUrl } from '@varde/fhir';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { auditEventOf, provenanceOf } from './audit-fhir.resources';
import { AuditReader, type AuditRequest } from '../../application/audit/audit-reader';
import { decisionInputs, type TimelineEvent } from '../../domain/audit/timeline-event';
import { parseLimit } from '../access-log.http.controller';
import { isPatientId } from '../record-access.request';
import { parseInstant, parseTimelinePageToken, timelinePageToken } from './audit-request';

/**
 * Refusals of the audit API are logged (issue #22: "a non-auditor calling the audit API: 403, logged"): who
 * tried, as what, on which route; then answered as every error is.
 */
@Catch()
export class AuditRefusalsLogged extends HttpExceptionFilter {
  constructor(@Inject(LOGGER) private readonly log: Logger) {
    super(log);
  }

  override catch(exception: unknown, host: ArgumentsHost) {
    if (exception instanceof ForbiddenError && host.getType() === 'http') {
      const request = host.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
      this.log.warn({ route: request.routeOptions?.url, subject: request.principal?.subject, role: request.principal?.role, reason: exception.message }, 'audit API refused');
    }
    return super.catch(exception, host);
  }
}

/**
 * Checks an auditor's request before anything is read: the patient id's shape, the policy (auditors read the
 * audit trail) and the stated reason; returns what the read is logged with.
 */
export function auditRequest(principal: Principal, patientId: string | undefined, headers: MetadataHeaders, resource: string): AuditRequest {
  if (patientId !== undefined && !isPatientId(patientId)) throw ValidationError.field('patientId', 'expected an internal patient id (UUID)');
  assertAccess(principal, { category: 'audit-trail', action: 'read', ...(patientId ? { patient: { id: patientId } } : {}) });
  const reason = parseAuditReason(headers[AUDIT_REASON_HEADER]);
  return { reason, metadata: commandMetadataFrom(principal, headers), resource };
}

/** A timeline event as the API shows it: with the decision's inputs and where to replay it. */
export function shown(event: TimelineEvent) {
  const inputs = decisionInputs(event);
  const assessmentId = event.type === 'varde.triage.v1.PatientTriaged' ? String(event.data.assessmentId ?? '') : '';
  return {
    ...event,
    ...(assessmentId ? { inputs, replay: { method: 'POST', href: `/api/patients/${event.patientId}/triage/assessments/${assessmentId}/verify` } } : {}),
  };
}

/** The auditor's view of one patient (issue #22): every event across the services, and the state as of an instant. */
@Controller('api/audit/patients/:patientId')
@Roles('auditor')
@UseFilters(AuditRefusalsLogged)
export class AuditHttpController {
  constructor(@Inject(AuditReader) private readonly reader: AuditReader) {}

  /**
   * `{patientId, events, next?}`: the patient's events from every service, oldest first by effective time, each
   * with what happened in words, the actor, effective and recorded time, the event, correlation and causation ids,
   * and for a triage decision its inputs and where to replay it. `from`/`to` bound the effective time; `limit`
   * (1–1000, default 100) and `page` (the `next` of the previous page) page. Auditors only, with an
   * `Audit-Reason` header; the read is written to the patient's access log with the reason before it is answered.
   */
  @Get('timeline')
  @Access('audit-trail', 'read', { patient: { param: 'patientId' } })
  async timeline(
    @Param('patientId') patientId: string,
    @Query() query: Record<string, unknown>,
    @Headers() headers: MetadataHeaders,
    @CurrentPrincipal() principal: Principal,
  ) {
    const request = auditRequest(principal, patientId, headers, `/api/audit/patients/${patientId}/timeline`);
    const from = parseInstant('from', query.from);
    const to = parseInstant('to', query.to);
    if (from && to && from >= to) throw ValidationError.field('to', `expected an instant after from (${from})`);
    const limit = parseLimit(query.limit as string | undefined);
    const after = parseTimelinePageToken(query.page);
    const page = await this.reader.timeline(patientId, { ...(from ? { from } : {}), ...(to ? { to } : {}), limit, ...(after ? { after } : {}) }, request);
    return { patientId, events: page.events.map(shown), ...(page.next ? { next: timelinePageToken(page.next) } : {}) };
  }

  /**
   * The patient's state as it was at `at` (default now; never in the future): enrolment and pathway version,
   * colour with its reasons and rule set, open alerts and who held them, consents and blocks, assigned forms —
   * from the events that had happened by `at` and had been recorded by `knownAt` (default now): with `knownAt=at`
   * it is what a clinician could have known then. Before the patient's first event the state is empty.
   */
  @Get('state')
  @Access('audit-trail', 'read', { patient: { param: 'patientId' } })
  async state(
    @Param('patientId') patientId: string,
    @Query() query: Record<string, unknown>,
    @Headers() headers: MetadataHeaders,
    @CurrentPrincipal() principal: Principal,
  ) {
    const request = auditRequest(principal, patientId, headers, `/api/audit/patients/${patientId}/state`);
    const now = new Date(request.metadata.now);
    const at = parseInstant('at', query.at, now) ?? now.toISOString();
    const knownAt = parseInstant('knownAt', query.knownAt, now) ?? now.toISOString();
    return { patientId, ...(await this.reader.stateAsOf(patientId, { at, knownAt }, request)) };
  }

  /**
   * The whole patient as one FHIR R4 Bundle (type collection, `application/fhir+json`): every timeline event as an
   * AuditEvent and every triage decision also as a Provenance — to hand to a supervisory authority or archive.
   */
  @Get('export')
  @Access('audit-trail', 'read', { patient: { param: 'patientId' } })
  async export(@Param('patientId') patientId: string, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply): Promise<Bundle> {
    const request = auditRequest(principal, patientId, headers, `/api/audit/patients/${patientId}/export`);
    const events = await this.reader.everything(patientId, request);
    const base = fhirBaseUrl(headers);
    const resources: (AuditEvent | Provenance)[] = [...events.map((e) => auditEventOf(e, e.source)), ...events.filter((e) => e.type === 'varde.triage.v1.PatientTriaged').map(provenanceOf)];
    void reply.header('content-type', 'application/fhir+json; charset=utf-8');
    return { resourceType: 'Bundle', type: 'collection', timestamp: request.metadata.now, entry: resources.map((resource) => ({ fullUrl: `${base}/${resource.resourceType}/${resource.id}`, resource })) };
  }
}
