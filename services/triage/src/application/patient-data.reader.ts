import { AccessLog, AccessPolicy } from '@varde/platform';
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
   * Whether the caller may see this patient's row of an aggregate (a what-if), without throwing
   * ({@link AccessPolicy.permitForListing}: care team and no block; an emergency access does not open aggregates).
   */
  async mayRead(principal: Principal, patientId: string): Promise<boolean> {
    const careTeamId = principal.role === 'clinician' ? await this.worklist.careTeamOf(patientId) : undefined;
    const question = { category: 'triage', action: 'read', patient: { id: patientId, careTeamId } } as const;
    return (await this.policy.permitForListing(principal, question)) !== undefined;
  }

  /** Throws NotFoundError for an unknown alert, ForbiddenError unless the policy lets the caller `action` the alert's patient's alerts. */
  async authoriseAlert(principal: Principal, alertId: string, action: AccessAction): Promise<AccessDecision> {
    const alert = await this.alerts.get(alertId, new Date());
    if (!alert) throw new NotFoundError(`There is no alert ${alertId}`);
    return this.authorise(principal, alert.patientId, action, 'alerts');
  }

  /** The worklist (only the patients of `filter.careTeams` when given), logged as one access per patient shown. */
  async worklistFor(filter: WorklistFilter, request: CommandMetadata): Promise<readonly WorklistEntry[]> {
    const entries = await this.worklist.list(filter, new Date(request.now));
    await this.log(entries.map((e) => e.patientId), { purpose: 'worklist', resource: 'worklist' }, request);
    return entries;
  }

  /** One patient's triage with provenance, logged as one access (`reason`: the permit's, from {@link authorise}). */
  async patientTriage(patientId: string, request: CommandMetadata, reason?: string): Promise<PatientTriageView> {
    const view = await this.worklist.get(patientId, new Date(request.now));
    if (!view) throw new NotFoundError(`Triage has no record of patient ${patientId}`);
    await this.log([patientId], { purpose: 'triage-status', resource: `triage/${patientId}`, ...(reason ? { reason } : {}) }, request);
    return view;
  }

  /** Alerts matching the filter, logged as one access per patient shown. */
  async alertsFor(filter: AlertFilter, request: CommandMetadata): Promise<readonly AlertView[]> {
    const alerts = await this.alerts.list(filter, new Date(request.now));
    await this.log([...new Set(alerts.map((a) => a.patientId))], { purpose: 'alerts', resource: 'alerts' }, request);
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

  private log(patientIds: readonly string[], what: { purpose: string; resource: string; reason?: string }, request: CommandMetadata): Promise<void> {
    return this.accessLog.recordReads('triage', patientIds, what, request);
  }
}
