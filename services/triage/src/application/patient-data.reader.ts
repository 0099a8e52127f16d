import { AccessLog, AccessPolicy, type PermittedList } from '@varde/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { AccessAction, AccessDecision, Principal } from '@varde/auth';
import { NotFoundError, type CommandMetadata } from '@varde/core';
import { AlertsQuery, type AlertFilter, type AlertHistoryEntry, type AlertView } from './alerts.port';
import { WorklistQuery, type PatientTriageView, type WorklistEntry, type WorklistFilter } from './worklist.port';

/**
 * Every read of patient data goes through here: the rows are fetched, each patient shown is written to the
 * access log (with the policy's reason when the caller passes it), and only then is anything returned. If the log
 * cannot be written, nothing is shown. Who may see a patient is decided here too ({@link authorise}): by the policy
 * decision point in sharing for clinicians and guardians (care team, blocks, emergency access, age rules), by the
 * policy table for the other roles.
 */
@Injectable()
export class PatientDataReader {
  constructor(
    @Inject(WorklistQuery) private readonly worklist: WorklistQuery,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
    @Inject(AlertsQuery) private readonly alerts: AlertsQuery,
    @Inject(AccessPolicy) private readonly policy: AccessPolicy,
  ) {}

  /**
   * Throws ForbiddenError (or 503 when sharing cannot be asked) unless the policy lets the caller `action` this
   * patient's triage data; a clinician's care team is the one the patient's worklist row names (none: triage has not
   * registered the patient, so only an emergency access lets a clinician read). Resolves to the permit, whose reason
   * goes into the access log.
   */
  async authorise(principal: Principal, patientId: string, action: AccessAction = 'read', category: 'triage' | 'alerts' = 'triage'): Promise<AccessDecision> {
    const careTeamId = principal.role === 'clinician' ? await this.worklist.careTeamOf(patientId) : undefined;
    return this.policy.authoriseWithTeam(principal, { category, action, patient: { id: patientId, careTeamId } });
  }

  /**
   * The patients among `patientIds` whose rows of an aggregate (a what-if) the caller may see, in one batch question
   * ({@link AccessPolicy.permitsForListing}: care team and no block; an emergency access does not open aggregates).
   */
  async readableAmong(principal: Principal, patientIds: readonly string[]): Promise<ReadonlySet<string>> {
    const careTeams = principal.role === 'clinician' ? await this.worklist.careTeamsOf(patientIds) : new Map<string, string>();
    const permits = await this.policy.permitsForListing(principal, { category: 'triage', action: 'read', patients: patientIds.map((id) => ({ id, careTeamId: careTeams.get(id) })) });
    return new Set(permits.keys());
  }

  /** Throws NotFoundError for an unknown alert, ForbiddenError unless the policy lets the caller `action` the alert's patient's alerts. */
  async authoriseAlert(principal: Principal, alertId: string, action: AccessAction): Promise<AccessDecision> {
    const alert = await this.alerts.get(alertId, new Date());
    if (!alert) throw new NotFoundError(`There is no alert ${alertId}`);
    return this.authorise(principal, alert.patientId, action, 'alerts');
  }

  /**
   * The worklist as the policy lets the caller see it: `filter.careTeams` (a clinician's teams) less the patients who
   * blocked them, plus (with `includeOpenEmergencyAccesses`) the patients they hold an open emergency access to.
   * Logged as one access per patient shown, each with its permit's reason.
   */
  async worklistFor(principal: Principal, filter: WorklistFilter, request: CommandMetadata, includeOpenEmergencyAccesses: boolean): Promise<readonly WorklistEntry[]> {
    const now = new Date(request.now);
    const listed = await this.policy.listPermitted(
      principal,
      { category: 'triage', action: 'read', includeOpenEmergencyAccesses },
      (scope) => this.worklist.list({ ...filter, scope }, now),
      (entry) => ({ id: entry.patientId, careTeamId: entry.careTeam ?? undefined }),
    );
    await this.logList(listed, listed.rows.map((e) => e.patientId), { purpose: 'worklist', resource: 'worklist' }, request);
    return listed.rows;
  }

  /** One patient's triage with provenance, logged as one access (`reason`: the permit's, from {@link authorise}). */
  async patientTriage(patientId: string, request: CommandMetadata, reason?: string): Promise<PatientTriageView> {
    const view = await this.worklist.get(patientId, new Date(request.now));
    if (!view) throw new NotFoundError(`Triage has no record of patient ${patientId}`);
    await this.log([patientId], { purpose: 'triage-status', resource: `triage/${patientId}`, ...(reason ? { reason } : {}) }, request);
    return view;
  }

  /** Alerts matching the filter, narrowed by the policy as {@link worklistFor} is; logged as one access per patient shown. */
  async alertsFor(principal: Principal, filter: AlertFilter, request: CommandMetadata, includeOpenEmergencyAccesses: boolean): Promise<readonly AlertView[]> {
    const now = new Date(request.now);
    const listed = await this.policy.listPermitted(
      principal,
      { category: 'alerts', action: 'read', includeOpenEmergencyAccesses },
      async (scope) => {
        const alerts = await this.alerts.list({ ...filter, scope }, now);
        const careTeams = principal.role === 'clinician' ? await this.worklist.careTeamsOf([...new Set(alerts.map((a) => a.patientId))]) : new Map<string, string>();
        return alerts.map((alert) => ({ alert, careTeamId: careTeams.get(alert.patientId) }));
      },
      ({ alert, careTeamId }) => ({ id: alert.patientId, careTeamId }),
    );
    const alerts = listed.rows.map((row) => row.alert);
    await this.logList(listed, [...new Set(alerts.map((a) => a.patientId))], { purpose: 'alerts', resource: 'alerts' }, request);
    return alerts;
  }

  /** One alert with its history, logged as one access to its patient (`reason`: the permit's). */
  async alert(alertId: string, request: CommandMetadata, reason?: string): Promise<AlertView & { history: readonly AlertHistoryEntry[] }> {
    const alert = await this.alerts.get(alertId, new Date(request.now));
    if (!alert) throw new NotFoundError(`There is no alert ${alertId}`);
    const history = await this.alerts.history(alertId);
    await this.log([alert.patientId], { purpose: 'alert', resource: `alerts/${alertId}`, ...(reason ? { reason } : {}) }, request);
    return { ...alert, history };
  }

  // A list's reads, each with the reason of the patient's own permit.
  private logList<T>(listed: PermittedList<T>, patientIds: readonly string[], what: { purpose: string; resource: string }, request: CommandMetadata): Promise<void> {
    return this.log(patientIds, { ...what, reasons: new Map([...listed.permits].map(([id, permit]) => [id, permit.reason])) }, request);
  }

  private log(patientIds: readonly string[], what: { purpose: string; resource: string; reason?: string; reasons?: ReadonlyMap<string, string> }, request: CommandMetadata): Promise<void> {
    return this.accessLog.recordReads('triage', patientIds, what, request);
  }
}
