import { Controller, Get, Headers, Inject, Query } from '@nestjs/common';
import { CurrentPrincipal, Roles, type Principal } from '@varde/auth';
import { ValidationError } from '@varde/core';
import { commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import { PatientDataReader } from '../application/patient-data.reader';
import type { Colour } from '../domain/triage-rules';

const COLOURS: readonly Colour[] = ['red', 'yellow', 'green'];
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** The clinicians' worklist: who needs attention first. */
@Controller('api/worklist')
export class WorklistHttpController {
  constructor(@Inject(PatientDataReader) private readonly reader: PatientDataReader) {}

  /** `200 {entries: [{patientId, colour, reasons, since}]}`, red → yellow → green, longest waiting first. */
  @Get()
  @Roles('clinician', 'auditor')
  async list(@Query() query: Record<string, unknown>, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    const filter = { colour: parseColour(query['colour']), limit: parseLimit(query['limit']) };
    const entries = await this.reader.worklistFor(filter, commandMetadataFrom(principal, headers));
    return { entries: entries.map(({ patientId, colour, reasons, since }) => ({ patientId, colour, reasons, since })) };
  }
}

function parseColour(value: unknown): Colour | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (COLOURS as readonly string[]).includes(value)) return value as Colour;
  throw ValidationError.field('colour', `expected one of ${COLOURS.join(', ')}`);
}

function parseLimit(value: unknown): number {
  if (value === undefined) return DEFAULT_LIMIT;
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_LIMIT) {
    throw ValidationError.field('limit', `expected a whole number from 1 to ${MAX_LIMIT}`);
  }
  return Number(value);
}
