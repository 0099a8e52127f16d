import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { Access, careTeamsShownTo, CurrentPrincipal, type AccessAction, type AccessDecision, type Principal, Roles } from '@varde/auth';
import { parseBody } from '@varde/fhir';
import { commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import { z } from 'zod';
import { AlertHandler } from '../application/alert.handler';
import { PatientDataReader } from '../application/patient-data.reader';
import { ALERT_OUTCOMES } from '../domain/alert.events';
import type { AlertStatus } from '../infrastructure/alerts.query';
import { parseCareTeam, parseId, parseLimit, parseOneOf, parseSubject } from './query-params';

const STATUSES: readonly AlertStatus[] = ['open', 'acknowledged', 'resolved'];
const assignBody = z.object({ assignee: z.string().trim().min(1, 'required: the subject id of a clinician').max(200) }).strict();
const commentBody = z.object({ text: z.string().trim().min(1, 'a comment needs some text').max(4000) }).strict();
const resolveBody = z
  .object({
    outcome: z.enum(ALERT_OUTCOMES, { errorMap: () => ({ message: `required: one of ${ALERT_OUTCOMES.join(', ')}` }) }),
    note: z.string().max(4000).optional(),
  })
  .strict();

/** Alerts raised when patients move to yellow or red, and what clinicians do with them. */
@Controller('api/alerts')
export class AlertsHttpController {
  constructor(
    @Inject(PatientDataReader) private readonly reader: PatientDataReader,
    @Inject(AlertHandler) private readonly alerts: AlertHandler,
  ) {}

  /** `200 {alerts: [...]}` filtered by `status`, `patient`, `assignee`; red first, then the oldest; narrowed by the access policy as the worklist is. */
  @Get()
  @Roles('clinician', 'auditor')
  @Access('alerts', 'read')
  async list(@Query() query: Record<string, unknown>, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    const team = parseCareTeam(query['team']);
    const filter = {
      status: parseOneOf('status', query['status'], STATUSES),
      patientId: query['patient'] === undefined ? undefined : parseId('patient', query['patient'], 'an internal patient id'),
      assignee: parseSubject('assignee', query['assignee']),
      limit: parseLimit(query['limit']),
      // A clinician sees the alerts of their care teams' patients (`team=` narrows to one), an auditor all.
      careTeams: careTeamsShownTo(principal, team),
    };
    // The policy narrows it further (blocks) and, unless one team was asked for, adds the patients the caller holds an open emergency access to.
    return { alerts: await this.reader.alertsFor(principal, filter, commandMetadataFrom(principal, headers), team === undefined) };
  }

  /** `200` the alert with its `history` (every step with its actor); 404 when there is no such alert. */
  @Get(':alertId')
  @Roles('clinician', 'auditor')
  @Access('alerts', 'read', { patient: 'resource' })
  async get(@Param('alertId') alertId: string, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    const { reason } = await this.allowed(alertId, principal, 'read');
    return this.reader.alert(alertId, commandMetadataFrom(principal, headers), reason);
  }

  /** `200` the alert, acknowledged (a second time changes nothing); 409 when it is already resolved. */
  @Post(':alertId/acknowledge')
  @HttpCode(200)
  @Roles('clinician')
  @Access('alerts', 'write', { patient: 'resource' })
  async acknowledge(@Param('alertId') alertId: string, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    const metadata = commandMetadataFrom(principal, headers);
    const { reason } = await this.allowed(alertId, principal, 'write');
    await this.alerts.handle({ type: 'AcknowledgeAlert', data: { alertId: alertId }, metadata });
    return this.reader.alert(alertId, metadata, reason);
  }

  /** `200` the alert, assigned to `{assignee}` (a clinician's subject id); 409 when resolved. */
  @Post(':alertId/assign')
  @HttpCode(200)
  @Roles('clinician')
  @Access('alerts', 'write', { patient: 'resource' })
  async assign(@Param('alertId') alertId: string, @Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    const { assignee } = parseBody(assignBody, body);
    const metadata = commandMetadataFrom(principal, headers);
    const { reason } = await this.allowed(alertId, principal, 'write');
    await this.alerts.handle({ type: 'AssignAlert', data: { alertId: alertId, assignee }, metadata });
    return this.reader.alert(alertId, metadata, reason);
  }

  /** `201` the alert with the comment `{text}` in its history; 409 when resolved. */
  @Post(':alertId/comments')
  @HttpCode(201)
  @Roles('clinician')
  @Access('alerts', 'write', { patient: 'resource' })
  async comment(@Param('alertId') alertId: string, @Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    const { text } = parseBody(commentBody, body);
    const metadata = commandMetadataFrom(principal, headers);
    const { reason } = await this.allowed(alertId, principal, 'write');
    await this.alerts.handle({ type: 'CommentOnAlert', data: { alertId: alertId, text }, metadata });
    return this.reader.alert(alertId, metadata, reason);
  }

  /** `200` the alert, resolved with `{outcome, note?}`; 400 naming `outcome` when missing or unknown; 409 when resolved. */
  @Post(':alertId/resolve')
  @HttpCode(200)
  @Roles('clinician')
  @Access('alerts', 'write', { patient: 'resource' })
  async resolve(@Param('alertId') alertId: string, @Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    const { outcome, note } = parseBody(resolveBody, body ?? {});
    const metadata = commandMetadataFrom(principal, headers);
    const { reason } = await this.allowed(alertId, principal, 'write');
    await this.alerts.handle({ type: 'ResolveAlert', data: { alertId: alertId, outcome, note: note ?? null }, metadata });
    return this.reader.alert(alertId, metadata, reason);
  }

  // The permit, once the policy lets the caller read or write the alert's patient's alerts (a clinician: one of their care teams, not blocked).
  private allowed(alertId: string, principal: Principal, action: AccessAction): Promise<AccessDecision> {
    return this.reader.authoriseAlert(principal, parseId('alertId', alertId, 'an alert id'), action);
  }
}
