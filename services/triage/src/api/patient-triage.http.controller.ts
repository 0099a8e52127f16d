import { Controller, Get, Headers, Inject, Param } from '@nestjs/common';
import { Access, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import { PatientDataReader } from '../application/patient-data.reader';
import { parseId } from './query-params';

/** One patient's current triage, with the provenance an auditor needs to re-run it. */
@Controller('api/patients/:patientId/triage')
export class PatientTriageHttpController {
  constructor(@Inject(PatientDataReader) private readonly reader: PatientDataReader) {}

  /** `200 {patientId, colour, reasons, since, pathwayId, assessment}`; `assessment` is null before any report. */
  @Get()
  @Roles('clinician', 'auditor', 'patient', 'guardian')
  @Access('triage', 'read', { patient: { param: 'patientId' } })
  async get(@Param('patientId') patientId: string, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    parseId('patientId', patientId, 'an internal patient id');
    const { reason } = await this.reader.authorise(principal, patientId);
    return this.reader.patientTriage(patientId, commandMetadataFrom(principal, headers), reason);
  }
}
