import { Controller, Get, Headers, Inject, Query, UseFilters } from '@nestjs/common';
import { Access, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import type { MetadataHeaders } from '@varde/platform';
import { AuditReader } from '../../application/audit/audit-reader';
import { parseLimit } from '../access-log.http.controller';
import { parsePeriod, parseTimelinePageToken, timelinePageToken } from './audit-request';
import { auditRequest, AuditRefusalsLogged, shown } from './audit.http.controller';

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
    const period = parsePeriod(query);
    const after = parseTimelinePageToken(query.page);
    const page = await this.reader.decisions({ ...period, limit: parseLimit(query.limit as string | undefined), ...(after ? { after } : {}) }, request);
    return { decisions: page.events.map(shown), ...(page.next ? { next: timelinePageToken(page.next) } : {}) };
  }
}
