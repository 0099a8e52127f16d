import { Controller, Headers, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { Access, CurrentPrincipal, type Principal } from '@varde/auth';
import { ValidationError } from '@varde/core';
import type { MetadataHeaders } from '@varde/platform';
import { PatientDataAccess } from '../../application/patient-data-access';
import { PmdFetcher } from '../../application/pmd/pmd-fetcher';
import { isPatientId } from '../record-access.request';

/** Pasientens måledata on demand. */
@Controller('api/patients/:patientId/pmd')
export class PmdHttpController {
  constructor(
    @Inject(PmdFetcher) private readonly fetcher: PmdFetcher,
    @Inject(PatientDataAccess) private readonly access: PatientDataAccess,
  ) {}

  /**
   * Fetches the patient's measurements from PMD now (as the schedule does) and records the new ones:
   * `{found, recorded, keptOut}`. A clinician of the patient's care team; 404 for a patient not enrolled; 503 when
   * PMD cannot be searched. The look-up is written to the patient's access log.
   */
  @Post('fetch')
  @HttpCode(200)
  @Access('measurements', 'write', { patient: { param: 'patientId' } })
  async fetch(@Param('patientId') patientId: string, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    if (!isPatientId(patientId)) throw ValidationError.field('patientId', 'expected an internal patient id (UUID)');
    await this.access.authorise(principal, 'measurements', 'write', patientId);
    await this.access.logRead(principal, patientId, { purpose: 'pmd-fetch', resource: `Observation?patient=${patientId}&source=pmd` }, headers);
    return { patientId, ...(await this.fetcher.fetchFor(patientId)) };
  }
}
