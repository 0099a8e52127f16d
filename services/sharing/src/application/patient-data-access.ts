import { Inject, Injectable } from '@nestjs/common';
import { type AccessAction, type AccessDecision, type DataCategory, type Principal } from '@varde/auth';
import { accessLogEntriesFor, commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import { PatientAccessDecisions } from './patient-access.decisions';
import { RecordAccessHandler } from './record-access.handler';

/** Sharing's own checks for its routes about one patient: the policy decision point, and the access log of every read. */
@Injectable()
export class PatientDataAccess {
  constructor(
    @Inject(PatientAccessDecisions) private readonly decisions: PatientAccessDecisions,
    @Inject(RecordAccessHandler) private readonly accessLog: RecordAccessHandler,
  ) {}

  /** Throws (403 with the reason, or insufficient scope) unless the policy lets `principal` do `action` on the patient's `category`. */
  authorise(principal: Principal, category: DataCategory, action: AccessAction, patientId: string): Promise<AccessDecision> {
    return this.decisions.authorise(principal, { category, action, patient: { id: patientId } });
  }

  /**
   * Writes the read to the patient's access log before it is shown (the patient's own reads are not logged), with
   * the auditor's stated reason (`Audit-Reason`) first, else the policy's.
   */
  logRead(principal: Principal, patientId: string, what: Readonly<{ purpose: string; resource: string; reason?: string }>, headers: MetadataHeaders): Promise<void> {
    if (principal.role === 'patient' && principal.patientId === patientId) return Promise.resolve();
    return this.logReads(principal, [patientId], what, headers);
  }

  /**
   * {@link logRead} for a list: one entry per patient shown, each with the auditor's stated reason or else its own
   * permit's (`reasons`) or the one `reason`.
   */
  async logReads(
    principal: Principal,
    patientIds: readonly string[],
    what: Readonly<{ purpose: string; resource: string; reason?: string; reasons?: ReadonlyMap<string, string> }>,
    headers: MetadataHeaders,
  ): Promise<void> {
    if (patientIds.length === 0) return;
    const metadata = commandMetadataFrom(principal, headers);
    const { commandId: _commandId, ...context } = metadata;
    await this.accessLog.record(accessLogEntriesFor('sharing', patientIds, what, metadata), context);
  }
}
