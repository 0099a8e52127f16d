import type { AuditEvent, Bundle, Provenance } from '@medplum/fhirtypes';
import { Controller, Get, Headers, Inject, Query, UseFilters } from '@nestjs/common';
import { Access, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { ValidationError } from '@varde/core';
import { fhirBaseUrl, fhirDateSearch } from '@varde/fhir';
import type { MetadataHeaders } from '@varde/platform';
import { AuditReader } from '../../application/audit/audit-reader';
import type { TimelineQuery } from '../../application/audit/audit-trail.port';
import { parseLimit } from '../access-log.http.controller';
import { isPatientId } from '../record-access.request';
import { auditEventOf, decisionReference, provenanceOf } from './audit-fhir.resources';
import { auditRequest, AuditRefusalsLogged } from './audit.http.controller';
import { parseTimelinePageToken, timelinePageToken } from './audit-request';

type SearchQuery = Record<string, string | string[] | undefined>;

const PATIENT_TRIAGED = 'varde.triage.v1.PatientTriaged';
const UUID_LIKE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\.\d{1,4})?$/;

const one = (query: SearchQuery, name: string): string | undefined => [query[name] ?? []].flat()[0];

function checkParams(query: SearchQuery, allowed: readonly string[], resource: string): void {
  const unknown = Object.keys(query).filter((k) => !allowed.includes(k) && k !== '_format');
  if (unknown.length > 0) throw ValidationError.field(unknown[0]!, `unknown search parameter; ${resource} is searched by ${allowed.filter((a) => !a.startsWith('_')).join(', ')}`);
}

function patientParam(query: SearchQuery): string {
  const patientId = one(query, 'patient')?.replace(/^Patient\//, '');
  if (patientId === undefined || !isPatientId(patientId)) throw ValidationError.field('patient', 'expected Patient/<internal patient id (UUID)> or the id alone');
  return patientId;
}

/** `date=` values (repeatable, every R4 prefix but ne) as a [from, to) window on the recorded time. */
function dateWindow(query: SearchQuery): Pick<TimelineQuery, 'from' | 'to'> {
  let from: string | undefined;
  let to: string | undefined;
  for (const text of [query['date'] ?? []].flat()) {
    for (const bound of fhirDateSearch(text)) {
      if (bound.op === 'outside') throw ValidationError.field('date', 'the ne prefix is not supported for AuditEvent: search a window with ge and lt');
      if (bound.op === 'ge' && (from === undefined || bound.at > from)) from = bound.at;
      if (bound.op === 'lt' && (to === undefined || bound.at < to)) to = bound.at;
    }
  }
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

/** A searchset Bundle of one page, with `self` and (when more follow) `next` links. */
function searchset<T extends AuditEvent | Provenance>(base: string, path: string, params: URLSearchParams, resources: readonly T[], next: string | undefined): Bundle<T> {
  const link = (page?: string) => {
    const p = new URLSearchParams(params);
    if (page) p.set('_page', page);
    return `${base}/${path}?${p.toString()}`;
  };
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    link: [{ relation: 'self', url: link() }, ...(next ? [{ relation: 'next', url: link(next) }] : [])],
    entry: resources.map((resource) => ({ fullUrl: `${base}/${resource.resourceType}/${resource.id}`, resource, search: { mode: 'match' as const } })),
  };
}

/**
 * The auditor's view as FHIR R4 (issue #22 item 4): a patient's timeline as AuditEvents (IHE BALP for reads)
 * and triage decisions as Provenance. Auditors only, with an `Audit-Reason` header; every answer is written to the
 * patient's access log with the reason first.
 */
@Controller('fhir')
@Roles('auditor')
@UseFilters(AuditRefusalsLogged)
export class AuditFhirHttpController {
  constructor(@Inject(AuditReader) private readonly reader: AuditReader) {}

  /**
   * `GET /fhir/AuditEvent?patient=&date=`: a searchset of the patient's timeline as AuditEvents, oldest first;
   * `date` (repeatable, R4 prefixes) bounds `AuditEvent.recorded`; `_count` 1–1000 (default 100), `_page` the
   * next link's token.
   */
  @Get('AuditEvent')
  @Access('audit-trail', 'read', { patient: { query: 'patient' } })
  async auditEvents(@Query() query: SearchQuery, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal): Promise<Bundle<AuditEvent>> {
    checkParams(query, ['patient', 'date', '_count', '_page'], 'AuditEvent');
    const patientId = patientParam(query);
    const request = auditRequest(principal, patientId, headers, `AuditEvent?patient=${patientId}`);
    const after = parseTimelinePageToken(one(query, '_page'));
    const page = await this.reader.timeline(patientId, { ...dateWindow(query), on: 'recorded', limit: parseLimit(one(query, '_count')), ...(after ? { after } : {}) }, request);
    const params = new URLSearchParams({ patient: `Patient/${patientId}` });
    for (const d of [query['date'] ?? []].flat()) params.append('date', d);
    if (one(query, '_count')) params.set('_count', one(query, '_count')!);
    return searchset(fhirBaseUrl(headers), 'AuditEvent', params, page.events.map((e) => auditEventOf(e, e.source)), page.next && timelinePageToken(page.next));
  }

  /**
   * `GET /fhir/Provenance?target=RiskAssessment/<assessment id>` (one triage decision) or `?patient=` (every
   * decision of the patient, oldest first, paged with `_count`/`_page`): each decision as a Provenance naming its
   * inputs, rule set version and hash, and engine version.
   */
  @Get('Provenance')
  @Access('audit-trail', 'read', { patient: { query: 'patient' } })
  async provenance(@Query() query: SearchQuery, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal): Promise<Bundle<Provenance>> {
    checkParams(query, ['target', 'patient', '_count', '_page'], 'Provenance');
    const base = fhirBaseUrl(headers);
    const target = one(query, 'target');
    if (target !== undefined) {
      const assessmentId = target.replace(/^RiskAssessment\//, '');
      if (!UUID_LIKE.test(assessmentId)) throw ValidationError.field('target', 'expected RiskAssessment/<assessment id> of a triage decision');
      const request = auditRequest(principal, undefined, headers, `Provenance?target=${decisionReference(assessmentId)}`);
      const decision = await this.reader.decision(assessmentId, request);
      return searchset(base, 'Provenance', new URLSearchParams({ target: decisionReference(assessmentId) }), [provenanceOf(decision)], undefined);
    }
    const patientId = patientParam(query);
    const request = auditRequest(principal, patientId, headers, `Provenance?patient=${patientId}`);
    const after = parseTimelinePageToken(one(query, '_page'));
    const page = await this.reader.timeline(patientId, { types: [PATIENT_TRIAGED], limit: parseLimit(one(query, '_count')), ...(after ? { after } : {}) }, request);
    const params = new URLSearchParams({ patient: `Patient/${patientId}` });
    if (one(query, '_count')) params.set('_count', one(query, '_count')!);
    return searchset(base, 'Provenance', params, page.events.map(provenanceOf), page.next && timelinePageToken(page.next));
  }
}
