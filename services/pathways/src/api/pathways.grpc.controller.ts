import { Controller, Inject } from '@nestjs/common';
import { pathwaysV1Service } from '@varde/contracts';
import { ValidationError } from '@varde/core';
import { grpcCall } from '@varde/platform';
import { EnrolmentQuery } from '../application/enrolment.query';

/** gRPC `varde.pathways.v1.PathwaysService`: which pathway and rule set a patient is on. */
@Controller()
@pathwaysV1Service.PathwaysServiceControllerMethods()
export class PathwaysGrpcController implements pathwaysV1Service.PathwaysServiceController {
  constructor(@Inject(EnrolmentQuery) private readonly enrolments: EnrolmentQuery) {}

  getActiveEnrolment(request: pathwaysV1Service.GetActiveEnrolmentRequest): Promise<pathwaysV1Service.GetActiveEnrolmentResponse> {
    return grpcCall(async () => {
      if (!request.patientId) throw ValidationError.field('patient_id', 'required');
      const view = await this.enrolments.inForce(request.patientId);
      return {
        enrolment: {
          patientId: view.patientId,
          enrolmentId: view.enrolmentId,
          pathwayId: view.pathwayId,
          pathwayVersion: view.pathwayVersion,
          enrolledAt: new Date(view.enrolledAt),
          // Rule sets are triage's data: pathways names the rule set and the version pinned at enrolment (0: latest).
          ruleSet: { id: view.ruleSet.id, version: view.ruleSet.version, contentHash: '', rules: [] },
          careTeamId: view.careTeamId,
          paused: view.status === 'paused',
        },
      };
    });
  }
}
