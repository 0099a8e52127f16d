import { AccessLog } from '@varde/platform';
import { Inject, Injectable } from '@nestjs/common';
import { assertMayReadPatientOfTeam, mayReadPatientOfTeam, type Principal } from '@varde/auth';
import { NotFoundError, type CommandMetadata } from '@varde/core';
import { AlertsQuery, type AlertFilter, type AlertHistoryEntry, type AlertView } from './alerts.port';
import { WorklistQuery, type PatientTriageView, type WorklistEntry, type WorklistFilter } from './worklist.port';

/**
 * Every read of patient data goes through here: the rows are fetched, each patient shown is written to the
 * access log, and only then is anything returned. If the log cannot be written, nothing is shown. Who may see
 * a patient is decided here too ({@link authorise}): a clinician only the patients of their care teams.
 */
@Injectable()
export class PatientDataReader {
  constructor(
    @Inject(WorklistQuery) private readonly worklist: WorklistQuery,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
    @Inject(AlertsQuery) private readonly alerts: AlertsQuery,
  ) {}

  /**
   * Throws ForbiddenError unless the caller may see this patient; a clinician's answer depends on the care team
   * the patient's worklist row names (none: triage has not registered the patient, so no clinician may).
   */
  async authorise(principal: Principal, patientId: string): Promise<void> {
    const careTeamId = principal.role === 'clinician' ? await this.worklist.careTeamOf(patientId) : undefined;
    assertMayReadPatientOfTeam(principal, patientId, careTeamId);
  }

  /** Whether the caller may see this patient (see {@link authorise}), without throwing. */
  async mayRead(principal: Principal, patientId: string): Promise<boolean> {
    const careTeamId = principal.role === 'clinician' ? await this.worklist.careTeamOf(patientId) : undefined;
    return mayReadPatientOfTeam(principal, patientId, careTeamId);
  }

  /** Throws NotFoundError for an unknown alert, ForbiddenError unless the caller may see the alert's patient. */
  async authoriseAlert(principal: Principal, alertId: string): Promise<void> {
    const alert = await this.alerts.get(alertId, new Date());
    if (!alert) throw new NotFoundError(`There is no alert ${alertId}`);
    await this.authorise(principal, alert.patientId);
  }

  /** The worklist (only the patients of `filter.careTeams` when given), logged as one access per patient shown. */
  async worklistFor(filter: WorklistFilter, request: CommandMetadata): Promise<readonly WorklistEntry[]> {
    const entries = await this.worklist.list(filter, new Date(request.now));
    await this.log(entries.map((e) => e.patientId), { purpose: 'worklist', resource: 'worklist' }, request);
    return entries;
  }

  /** One patient's triage with provenance, logged as one access. */
  async patientTriage(patientId: string, request: CommandMetadata): Promise<PatientTriageView> {
    const view = await this.worklist.get(patientId, new Date(request.now));
    if (!view) throw new NotFoundError(`Triage has no record of patient ${patientId}`);
    await this.log([patientId], { purpose: 'triage-status', resource: `triage/${patientId}` }, request);
    return view;
  }

  /** Alerts matching the filter, logged as one access per patient shown. */
  async alertsFor(filter: AlertFilter, request: CommandMetadata): Promise<readonly AlertView[]> {
    const alerts = await this.alerts.list(filter, new Date(request.now));
    await this.log([...new Set(alerts.map((a) => a.patientId))], { purpose: 'alerts', resource: 'alerts' }, request);
    return alerts;
  }

  /** One alert with its history, logged as one access to its patient. */
  async alert(alertId: string, request: CommandMetadata): Promise<AlertView & { history: readonly AlertHistoryEntry[] }> {
    const alert = await this.alerts.get(alertId, new Date(request.now));
    if (!alert) throw new NotFoundError(`There is no alert ${alertId}`);
    const history = await this.alerts.history(alertId);
    await this.log([alert.patientId], { purpose: 'alert', resource: `alerts/${alertId}` }, request);
    return { ...alert, history };
  }

  private log(patientIds: readonly string[], what: { purpose: string; resource: string }, request: CommandMetadata): Promise<void> {
    return this.accessLog.recordReads('triage', patientIds, what, request);
  }
}
