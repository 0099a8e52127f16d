import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type AccessAction, type AccessDecision, type DataCategory, type Principal } from '@varde/auth';
import { commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
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

  /** Writes the read to the patient's access log before it is shown (the patient's own reads are not logged). */
  async logRead(principal: Principal, patientId: string, what: Readonly<{ purpose: string; resource: string; reason?: string }>, headers: MetadataHeaders): Promise<void> {
    if (principal.role === 'patient' && principal.patientId === patientId) return;
    const metadata = commandMetadataFrom(principal, headers);
    const { commandId: _commandId, ...context } = metadata;
    await this.accessLog.record(
      [{ entryId: randomUUID(), patientId, actor: metadata.actor, purpose: what.purpose, resource: what.resource, accessedAt: metadata.now, correlationId: metadata.correlationId, ...(what.reason ? { reason: what.reason } : {}) }],
      context,
    );
  }
}
