import { Controller, Get, Headers, Inject, Param } from '@nestjs/common';
import { assertMayActOnPatient, CurrentPrincipal, Roles, type Principal } from '@varde/auth';
import { ValidationError } from '@varde/core';
import { commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import { PatientDataReader } from '../application/patient-data.reader';

/** One patient's current triage, with the provenance an auditor needs to re-run it. */
@Controller('api/patients/:patientId/triage')
export class PatientTriageHttpController {
  constructor(@Inject(PatientDataReader) private readonly reader: PatientDataReader) {}

  /** `200 {patientId, colour, reasons, since, pathwayId, assessment}`; `assessment` is null before any report. */
  @Get()
  @Roles('clinician', 'auditor', 'patient', 'guardian')
  async get(@Param('patientId') patientId: string, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    if (!/^[0-9a-f-]{36}$/.test(patientId)) throw ValidationError.field('patientId', 'expected an internal patient id (UUID)');
    assertMayActOnPatient(principal, patientId);
    return this.reader.patientTriage(patientId, commandMetadataFrom(principal, headers));
  }
}
