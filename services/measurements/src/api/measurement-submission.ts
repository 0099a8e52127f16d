import { Inject, Injectable } from '@nestjs/common';
import { assertMayActOnPatient, type Principal } from '@varde/auth';
import { ForbiddenError, NotFoundError, ValidationError } from '@varde/core';
import { EnrolmentDirectory } from '@varde/platform';
import { GatewayAssignmentHandler } from '../application/gateway-assignment.handler';
import type { Submission } from '../application/record-measurements.handler';
import type { DeviceDetails, Provenance } from '../domain/measurement.events';
import type { ValidSubmission } from './observation.intake';

/** What authorisation reads of a validated Observation or chunk: the patient, the device and the performing organisation it names. */
type Submitted = Readonly<{ patientId: string; deviceReference?: string; device?: DeviceDetails; performerOrganisation?: string }>;

/** Turns a validated Observation (or chunk) into the command input for one request's caller; `at` names the element. */
export type Authorise = <T extends Submitted>(valid: T, at?: string) => Promise<Omit<T, 'deviceReference' | 'device' | 'performerOrganisation'> & { provenance: Provenance }>;

/** DI token of the client ids that import measurements taken by another organisation (MEASUREMENT_IMPORTERS). */
export const MEASUREMENT_IMPORTERS = Symbol('MEASUREMENT_IMPORTERS');

/** Who may submit a validated Observation, and how it was obtained; shared by single and Bundle ingestion. */
@Injectable()
export class MeasurementSubmission {
  constructor(
    @Inject(EnrolmentDirectory) private readonly enrolments: EnrolmentDirectory,
    @Inject(GatewayAssignmentHandler) private readonly gateways: GatewayAssignmentHandler,
    @Inject(MEASUREMENT_IMPORTERS) private readonly importers: readonly string[],
  ) {}

  /**
   * The check for one request: the caller may act on the patient, a device gateway (`system`) is assigned to
   * the patient, the patient is enrolled, and a clinician is on the patient's care team. Answers are kept for
   * the request, so a Bundle of many entries for one patient asks each question once.
   */
  forRequest(principal: Principal): Authorise {
    const isAssigned = oncePerPatient((patientId) => this.gateways.isAssigned(patientId, principal.subject));
    const isEnrolled = oncePerPatient((patientId) => this.enrolments.isEnrolled(patientId));
    const onCareTeam = oncePerPatient((patientId) => this.enrolments.authorise(principal, 'measurements', 'write', patientId));
    // An importer (sharing, from Pasientens måledata) brings what another organisation measured: it needs no
    // assignment, and the organisation that measured is the provenance.
    const importer = principal.role === 'system' && this.importers.includes(principal.subject);
    return async <T extends Submitted>(valid: T, at = 'Observation') => {
      const { deviceReference, device, performerOrganisation, ...observation } = valid;
      assertMayActOnPatient(principal, observation.patientId);
      if (importer && !performerOrganisation) throw new ValidationError([{ field: `${at}.performer`, message: 'an imported measurement names the organisation that took it: {"identifier": {"system": "urn:oid:2.16.578.1.12.4.1.4.101", "value": "<organisation number>"}}' }]);
      // Before the enrolment check, so a gateway learns nothing about patients it was not given.
      if (principal.role === 'system' && !importer && !(await isAssigned(observation.patientId))) {
        throw new ForbiddenError(`${at}.subject: gateway ${principal.subject} is not assigned to this patient`);
      }
      // A clinician records measurements only for the patients of their care teams; asked before the enrolment check,
      // so a clinician of another team gets the same 403 for a patient enrolled elsewhere as for one never enrolled.
      if (principal.role === 'clinician') await onCareTeam(observation.patientId);
      if (!(await isEnrolled(observation.patientId))) {
        throw new NotFoundError(`${at}.subject: Patient/${observation.patientId} is not enrolled on any pathway`);
      }
      const provenance: Provenance = {
        method: deviceReference || device || principal.role === 'system' ? 'device' : principal.role === 'clinician' ? 'clinician' : 'patient',
        ...(deviceReference ? { deviceId: deviceReference } : {}),
        ...(importer ? { organisation: performerOrganisation } : principal.organisation ? { organisation: principal.organisation } : {}),
        ...(principal.role === 'system' ? { gateway: principal.subject } : {}),
        ...(device ? { device } : {}),
      };
      return { ...observation, provenance };
    };
  }
}

/** A validated submission authorised by `authorise` (one request's, see MeasurementSubmission): ready to record. */
export async function authorisedSubmission(authorise: Authorise, submission: ValidSubmission, at?: string): Promise<Submission> {
  return submission.kind === 'point' ? { kind: 'point', input: await authorise(submission.valid, at) } : { kind: 'chunk', input: await authorise(submission.valid, at) };
}

/** `ask`, asked at most once per patient: later calls share the first call's answer (or failure). */
function oncePerPatient<T>(ask: (patientId: string) => Promise<T>): (patientId: string) => Promise<T> {
  const answers = new Map<string, Promise<T>>();
  return (patientId) => {
    let answer = answers.get(patientId);
    if (!answer) answers.set(patientId, (answer = ask(patientId)));
    return answer;
  };
}
