import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '@varde/auth';
import type { MetadataHeaders } from '@varde/platform';
import type { EmergencyAccessGrant } from '../domain/emergency-access.events';
import { EmergencyAccesses } from './emergency-accesses.port';
import { PatientAccessDecisions } from './patient-access.decisions';
import { PatientDataAccess } from './patient-data-access';

/**
 * The report of emergency accesses to a care team's patients (issue #16 item 6), read as the policy lets the reader
 * see each patient: a patient who has blocked the reader (a block covering `emergency-access`, or every category) is
 * left out, as on their worklist, and the page is filled from older accesses. Each patient shown is written to their
 * access log with the permit's reason (an auditor's stated reason first).
 */
@Injectable()
export class EmergencyAccessReport {
  constructor(
    @Inject(PatientAccessDecisions) private readonly decisions: PatientAccessDecisions,
    @Inject(EmergencyAccesses) private readonly emergencies: EmergencyAccesses,
    @Inject(PatientDataAccess) private readonly access: PatientDataAccess,
  ) {}

  /** The newest `limit` emergency accesses to `careTeamId`'s patients that `principal` may see, newest first. */
  async ofCareTeam(principal: Principal, careTeamId: string, limit: number, headers: MetadataHeaders): Promise<readonly EmergencyAccessGrant[]> {
    const listed = await this.decisions.listPermitted(
      principal,
      { category: 'emergency-access', action: 'read' },
      (scope) => this.emergencies.ofCareTeam(careTeamId, limit, scope.exclude),
      // The team the access was reported to is the reader's (checked by the caller): decided as their own team's patient.
      (grant) => ({ id: grant.patientId, careTeamId }),
    );
    const patientIds = [...new Set(listed.rows.map((grant) => grant.patientId))];
    const reasons = new Map([...listed.permits].map(([id, permit]) => [id, permit.reason]));
    await this.access.logReads(principal, patientIds, { purpose: 'emergency-access-report', resource: `/api/care-teams/${careTeamId}/emergency-accesses`, reasons }, headers);
    return listed.rows;
  }
}
