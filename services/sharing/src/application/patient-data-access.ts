import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { assertAccess, type AccessAction, type DataCategory, type Principal } from '@varde/auth';
import { commandMetadataFrom, EnrolmentDirectory, type MetadataHeaders } from '@varde/platform';
import { RecordAccessHandler } from './record-access.handler';

/** Sharing's own checks for its routes about one patient: the policy, and the access log of every read. */
@Injectable()
export class PatientDataAccess {
  constructor(
    @Inject(EnrolmentDirectory) private readonly enrolments: EnrolmentDirectory,
    @Inject(RecordAccessHandler) private readonly accessLog: RecordAccessHandler,
  ) {}

  /** Throws (403 with the reason) unless the policy lets `principal` do `action` on the patient's `category`. */
  async authorise(principal: Principal, category: DataCategory, action: AccessAction, patientId: string): Promise<void> {
    // Only a clinician's answer depends on the care team; others are decided without asking pathways.
    const careTeamId = principal.role === 'clinician' ? (await this.enrolments.active(patientId))?.careTeamId || undefined : undefined;
    assertAccess(principal, { category, action, patient: { id: patientId, careTeamId } });
  }

  /** Writes the read to the patient's access log before it is shown (the patient's own reads are not logged). */
  async logRead(principal: Principal, patientId: string, what: Readonly<{ purpose: string; resource: string }>, headers: MetadataHeaders): Promise<void> {
    if (principal.role === 'patient' && principal.patientId === patientId) return;
    const metadata = commandMetadataFrom(principal, headers);
    const { commandId: _commandId, ...context } = metadata;
    await this.accessLog.record([{ entryId: randomUUID(), patientId, actor: metadata.actor, purpose: what.purpose, resource: what.resource, accessedAt: metadata.now, correlationId: metadata.correlationId }], context);
  }
}
