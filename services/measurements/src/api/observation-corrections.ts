import { Inject, Injectable } from '@nestjs/common';
import { assertMayActOnPatient, type Principal } from '@varde/auth';
import { ConcurrencyError, ForbiddenError, NotFoundError, ValidationError } from '@varde/core';
import { staleVersion } from '@varde/fhir';
import { EnrolmentDirectory } from '@varde/platform';
import type { PreparedCorrection } from '../application/correct-measurement.handler';
import { MeasurementQuery } from '../application/measurement.query';
import { correctionOf } from './observation-correction.validation';

/**
 * Reads and authorises corrections of recorded Observations, for `PUT /fhir/Observation/:id` and for `PUT` entries
 * of a Bundle alike. Clinicians may correct the measurements of their care teams' patients; a patient only their own
 * typed-in ones.
 */
@Injectable()
export class ObservationCorrections {
  constructor(
    @Inject(MeasurementQuery) private readonly measurements: MeasurementQuery,
    @Inject(EnrolmentDirectory) private readonly enrolments: EnrolmentDirectory,
  ) {}

  /**
   * The correction `body` asks of Observation `id`, for `principal`. `expectedVersion` is the caller's If-Match: a
   * measurement at another version is a 412 and nothing is written. The reason is `note[0].text` or `reasonHeader`.
   */
  async prepare(id: string, body: unknown, principal: Principal, expectedVersion: number | undefined, reasonHeader?: string): Promise<PreparedCorrection> {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw ValidationError.field('id', 'expected an Observation id (UUID)');
    const current = await this.measurements.current(id);
    if (!current) throw new NotFoundError(`Observation/${id} does not exist`);
    assertMayActOnPatient(principal, current.patientId);
    if (principal.role === 'clinician') await this.enrolments.authorise(principal, 'measurements', 'write', current.patientId);
    if (principal.role === 'patient' && current.provenance.method !== 'patient') throw new ForbiddenError('a patient may correct only measurements they typed in themselves');
    const request = correctionOf(body, id, current, reasonHeader);
    if (expectedVersion !== undefined && expectedVersion !== current.version) throw staleVersion(`Observation/${id}`, current.version, expectedVersion);
    return { id, request, currentVersion: current.version, ...(expectedVersion === undefined ? {} : { expectedVersion }) };
  }

  /**
   * Why appending `correction` failed, as the client should read it: when another correction got in between the
   * read and the append of one sent with If-Match, the 412 naming the version it left; otherwise the error itself.
   */
  async refusalOf(error: unknown, correction: PreparedCorrection): Promise<unknown> {
    if (correction.expectedVersion === undefined || !(error instanceof ConcurrencyError)) return error;
    return staleVersion(`Observation/${correction.id}`, (await this.measurements.current(correction.id))?.version ?? correction.currentVersion, correction.expectedVersion);
  }
}
