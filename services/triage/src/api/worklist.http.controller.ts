import { Controller, Get, Headers, Inject, Query } from '@nestjs/common';
import { careTeamsShownTo, CurrentPrincipal, Roles, type Principal } from '@varde/auth';
import { commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import { PatientDataReader } from '../application/patient-data.reader';
import type { Colour } from '../domain/triage-rules';
import { parseCareTeam, parseLimit, parseOneOf, parsePathway, parseSubject } from './query-params';

const COLOURS: readonly Colour[] = ['red', 'yellow', 'green'];

/** The clinicians' worklist: who needs attention first. */
@Controller('api/worklist')
export class WorklistHttpController {
  constructor(@Inject(PatientDataReader) private readonly reader: PatientDataReader) {}

  /**
   * `200 {entries: [{patientId, colour, reasons, since, careTeam, openAlert}]}`, red → yellow → green, longest waiting
   * first; a clinician sees the patients of their care teams (`team=` narrows to one of them), an auditor all.
   */
  @Get()
  @Roles('clinician', 'auditor')
  async list(@Query() query: Record<string, unknown>, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    const filter = {
      colour: parseOneOf('colour', query['colour'], COLOURS),
      pathwayId: parsePathway(query['pathway']),
      assignee: parseSubject('assignee', query['assignee']),
      limit: parseLimit(query['limit']),
      careTeams: careTeamsShownTo(principal, parseCareTeam(query['team'])),
    };
    const entries = await this.reader.worklistFor(filter, commandMetadataFrom(principal, headers));
    return { entries: entries.map(({ patientId, colour, reasons, since, careTeam, openAlert }) => ({ patientId, colour, reasons, since, careTeam, openAlert })) };
  }
}
