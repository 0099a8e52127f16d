import { Inject, Injectable } from '@nestjs/common';
import { assertMayActOnPatient, type Principal } from '@varde/auth';
import { ForbiddenError, NotFoundError } from '@varde/core';
import { EnrolmentDirectory } from '@varde/platform';
import { GatewayAssignmentHandler } from '../application/gateway-assignment.handler';
import { MeasurementReader } from '../application/measurement.reader';
import type { DeviceDetails, Provenance } from '../domain/measurement.events';

/** What authorisation reads of a validated Observation or chunk: the patient and the device it names. */
type Submitted = Readonly<{ patientId: string; deviceReference?: string; device?: DeviceDetails }>;

/** Turns a validated Observation (or chunk) into the command input for one request's caller; `at` names the element. */
export type Authorise = <T extends Submitted>(valid: T, at?: string) => Promise<Omit<T, 'deviceReference' | 'device'> & { provenance: Provenance }>;

/** Who may submit a validated Observation, and how it was obtained; shared by single and Bundle ingestion. */
@Injectable()
export class MeasurementSubmission {
  constructor(
    @Inject(EnrolmentDirectory) private readonly enrolments: EnrolmentDirectory,
    @Inject(GatewayAssignmentHandler) private readonly gateways: GatewayAssignmentHandler,
    @Inject(MeasurementReader) private readonly reader: MeasurementReader,
  ) {}

  /**
   * The check for one request: the caller may act on the patient, a device gateway (`system`) is assigned to
   * the patient, and the patient is enrolled. Assignment answers are kept for the request, so a Bundle of many
   * entries for one patient asks once.
   */
  forRequest(principal: Principal, authorization: string): Authorise {
    const assigned = new Map<string, Promise<boolean>>();
    const isAssigned = (patientId: string): Promise<boolean> => {
      let answer = assigned.get(patientId);
      if (!answer) assigned.set(patientId, (answer = this.gateways.isAssigned(patientId, principal.subject)));
      return answer;
    };
    return async <T extends Submitted>(valid: T, at = 'Observation') => {
      const { deviceReference, device, ...observation } = valid;
      assertMayActOnPatient(principal, observation.patientId);
      // Before the enrolment check, so a gateway learns nothing about patients it was not given.
      if (principal.role === 'system' && !(await isAssigned(observation.patientId))) {
        throw new ForbiddenError(`${at}.subject: gateway ${principal.subject} is not assigned to this patient`);
      }
      if (!(await this.enrolments.isEnrolled(observation.patientId, authorization))) {
        throw new NotFoundError(`${at}.subject: Patient/${observation.patientId} is not enrolled on any pathway`);
      }
      // A clinician records measurements only for the patients of their care teams.
      if (principal.role === 'clinician') await this.reader.authorise(principal, observation.patientId);
      const provenance: Provenance = {
        method: deviceReference || device || principal.role === 'system' ? 'device' : principal.role === 'clinician' ? 'clinician' : 'patient',
        ...(deviceReference ? { deviceId: deviceReference } : {}),
        ...(principal.organisation ? { organisation: principal.organisation } : {}),
        ...(principal.role === 'system' ? { gateway: principal.subject } : {}),
        ...(device ? { device } : {}),
      };
      return { ...observation, provenance };
    };
  }
}
