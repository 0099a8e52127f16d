import { Controller, Get, Headers, Inject, Query, UseFilters } from '@nestjs/common';
import { Access, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { ValidationError } from '@varde/core';
import type { MetadataHeaders } from '@varde/platform';
import { AuditReader } from '../../application/audit/audit-reader';
import { parseLimit } from '../access-log.http.controller';
import { parseInstant, parseTimelinePageToken, timelinePageToken } from './audit-request';
import { auditRequest, AuditRefusalsLogged, shown } from './audit.http.controller';

const PATHWAY_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Every triage decision of a period, across patients: what `npm run audit:verify` re-runs (issue #22 item 3). */
@Controller('api/audit/decisions')
@Roles('auditor')
@UseFilters(AuditRefusalsLogged)
export class AuditDecisionsHttpController {
  constructor(@Inject(AuditReader) private readonly reader: AuditReader) {}

  /**
   * `{decisions, next?}`: the PatientTriaged events recorded in [from, to) (both required), of patients enrolled on
   * `pathway` when given, each with its inputs and where to replay it; `limit` 1–1000 (default 100), `page` the
   * previous `next`. Auditors only, with an `Audit-Reason` header; every patient on the page is written to the
   * access log with the reason.
   */
  @Get()
  @Access('audit-trail', 'read')
  async list(@Query() query: Record<string, unknown>, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    const request = auditRequest(principal, undefined, headers, '/api/audit/decisions');
    const from = parseInstant('from', query.from);
    const to = parseInstant('to', query.to);
    if (!from) throw ValidationError.field('from', 'required: the start of the period, e.g. 2026-11-01T00:00:00Z');
    if (!to) throw ValidationError.field('to', 'required: the end of the period (exclusive), e.g. 2026-12-01T00:00:00Z');
    if (from >= to) throw ValidationError.field('to', `expected an instant after from (${from})`);
    const pathwayId = query.pathway;
    if (pathwayId !== undefined && (typeof pathwayId !== 'string' || !PATHWAY_ID.test(pathwayId))) throw ValidationError.field('pathway', 'expected a pathway id, e.g. copd');
    const after = parseTimelinePageToken(query.page);
    const page = await this.reader.decisions({ from, to, ...(pathwayId ? { pathwayId } : {}), limit: parseLimit(query.limit as string | undefined), ...(after ? { after } : {}) }, request);
    return { decisions: page.events.map(shown), ...(page.next ? { next: timelinePageToken(page.next) } : {}) };
  }
}
