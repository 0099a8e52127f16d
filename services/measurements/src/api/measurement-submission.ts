import { Inject, Injectable } from '@nestjs/common';
import { assertMayActOnPatient, type Principal } from '@varde/auth';
import { NotFoundError } from '@varde/core';
import { EnrolmentDirectory } from '@varde/platform';
import type { MeasurementInput } from '../application/record-measurement.handler';
import type { Provenance } from '../domain/measurement.events';
import type { ValidObservation } from './observation.validation';

/** Who may submit a validated Observation, and how it was obtained; shared by single and Bundle ingestion. */
@Injectable()
export class MeasurementSubmission {
  constructor(@Inject(EnrolmentDirectory) private readonly enrolments: EnrolmentDirectory) {}

  /** The command input, after checking the caller may act on the patient and the patient is enrolled (`at` names the element). */
  async authorise(valid: ValidObservation, principal: Principal, authorization: string, at = 'Observation'): Promise<MeasurementInput> {
    const { deviceReference, device, ...observation } = valid;
    assertMayActOnPatient(principal, observation.patientId);
    if (!(await this.enrolments.isEnrolled(observation.patientId, authorization))) {
      throw new NotFoundError(`${at}.subject: Patient/${observation.patientId} is not enrolled on any pathway`);
    }
    const provenance: Provenance = {
      method: deviceReference || device || principal.role === 'system' ? 'device' : principal.role === 'clinician' ? 'clinician' : 'patient',
      ...(deviceReference ? { deviceId: deviceReference } : {}),
      ...(principal.organisation ? { organisation: principal.organisation } : {}),
      ...(principal.role === 'system' ? { gateway: principal.subject } : {}),
      ...(device ? { device } : {}),
    };
    return { ...observation, provenance };
  }
}
