import type { Metadata } from '@grpc/grpc-js';
import { Controller, Inject } from '@nestjs/common';
import type { Principal, PrincipalHolder } from '@varde/auth';
import { pathwaysV1Service } from '@varde/contracts';
import { checkNationalId, ForbiddenError, nationalIdSystem, NotFoundError, UnauthorizedError, ValidationError } from '@varde/core';
import { AccessLog, commandMetadataFrom, grpcCall } from '@varde/platform';
import { EnrolmentQuery } from '../application/enrolment.query';
import { PatientIdentityRepository } from '../application/patient-identities.port';
import { parsePatientId } from './enrolment-request.fields';
import { enrolmentOfNationalId } from './patient-read';

/** gRPC `varde.pathways.v1.PathwaysService`: which pathway and rule set a patient is on. */
@Controller()
@pathwaysV1Service.PathwaysServiceControllerMethods()
export class PathwaysGrpcController implements pathwaysV1Service.PathwaysServiceController {
  constructor(
    @Inject(EnrolmentQuery) private readonly enrolments: EnrolmentQuery,
    @Inject(PatientIdentityRepository) private readonly identities: PatientIdentityRepository,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
    @Inject('NATIONAL_ID_READERS') private readonly nationalIdReaders: readonly string[],
    @Inject('PATIENT_FINDERS') private readonly patientFinders: readonly string[],
  ) {}

  findEnrolledPatient(request: pathwaysV1Service.FindEnrolledPatientRequest, metadata: Metadata): Promise<pathwaysV1Service.FindEnrolledPatientResponse> {
    return grpcCall(async () => {
      callerAmong(metadata, this.patientFinders, 'FindEnrolledPatient', 'resolve national identity numbers (PATIENT_FINDERS)');
      // Never echo the number: errors travel into logs and answers.
      const check = checkNationalId(request.value);
      if (!check.valid) throw ValidationError.field('value', check.reason);
      if (request.system !== nationalIdSystem(request.value)) throw ValidationError.field('system', `expected ${nationalIdSystem(request.value)} for this number`);
      const enrolment = await enrolmentOfNationalId(request.value, this.identities, this.enrolments);
      if (enrolment === undefined || enrolment.status === 'discharged') throw new NotFoundError('no enrolled patient has this national identity number');
      return { patientId: enrolment.patientId };
    });
  }

  getPatientIdentity(request: pathwaysV1Service.GetPatientIdentityRequest, metadata: Metadata): Promise<pathwaysV1Service.GetPatientIdentityResponse> {
    return grpcCall(async () => {
      const principal = callerAmong(metadata, this.nationalIdReaders, 'GetPatientIdentity', 'read national identity numbers (NATIONAL_ID_READERS)');
      const patientId = parsePatientId(request.patientId);
      if (!request.purpose) throw ValidationError.field('purpose', 'required: why the national id is needed, as written to the access log');
      const nationalId = await this.identities.nationalIdOf(patientId);
      if (nationalId === undefined) throw new NotFoundError(`no national identity number is kept for patient ${patientId}`);
      const [header] = metadata.get('x-correlation-id');
      await this.accessLog.recordReads('pathways', [patientId], { purpose: request.purpose, resource: `Patient/${patientId}.identifier` }, commandMetadataFrom(principal, typeof header === 'string' ? { 'x-correlation-id': header } : {}));
      return { patientId, system: nationalIdSystem(nationalId), value: nationalId };
    });
  }

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

/**
 * The calling service, when it is one of `allowed`. The auth guard let the call in only with a service token for
 * pathways (ADR 0013); the calls about national ids are for some services only.
 */
function callerAmong(metadata: Metadata, allowed: readonly string[], call: string, what: string): Principal {
  const { principal } = metadata as unknown as PrincipalHolder;
  if (principal === undefined) throw new UnauthorizedError(`${call} needs a service token`);
  if (!allowed.includes(principal.subject)) throw new ForbiddenError(`${principal.subject} may not ${what}`);
  return principal;
}
