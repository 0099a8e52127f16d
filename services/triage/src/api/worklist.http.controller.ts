import { Controller, Get, Headers, Inject, Query, Sse, type MessageEvent } from '@nestjs/common';
import { Access, careTeamsShownTo, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import { PatientDataReader } from '../application/patient-data.reader';
import type { Colour } from '../domain/triage-rules';
import { WorklistChanges } from '../application/worklist-changes.port';
import { interval, map, merge, type Observable } from 'rxjs';
import { parseCareTeam, parseLimit, parseOneOf, parsePathway, parseSubject } from './query-params';
import { decodePageToken, encodePageToken } from './worklist-page-token';

const COLOURS: readonly Colour[] = ['red', 'yellow', 'green'];

/** The clinicians' worklist: who needs attention first. */
@Controller('api/worklist')
export class WorklistHttpController {
  constructor(
    @Inject(PatientDataReader) private readonly reader: PatientDataReader,
    @Inject(WorklistChanges) private readonly feed: WorklistChanges,
  ) {}

  /**
   * Server-sent events: `event: worklist-changed` within moments of any change to the worklist or an alert, and a
   * `ping` every 15 s so proxies keep the stream open. No patient data: the client reads the worklist again.
   */
  @Sse('events')
  @Roles('clinician', 'auditor')
  @Access('triage', 'read')
  events(): Observable<MessageEvent> {
    return merge(
      this.feed.changes().pipe(map((mark): MessageEvent => ({ type: 'worklist-changed', data: { mark } }))),
      interval(15_000).pipe(map((): MessageEvent => ({ type: 'ping', data: {} }))),
    );
  }

  /**
   * `200 {entries: [{patientId, colour, reasons, since, careTeam, pathwayId, openAlert, enrolment}], nextPageToken?}`, red → yellow →
   * green, longest waiting first (`page_token=` continues after a page); a clinician sees the patients of their care teams (`team=` narrows to one of them)
   * less those who blocked them, plus those they hold an open emergency access to; an auditor all.
   */
  @Get()
  @Roles('clinician', 'auditor')
  @Access('triage', 'read')
  async list(@Query() query: Record<string, unknown>, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    const team = parseCareTeam(query['team']);
    const filter = {
      colour: parseOneOf('colour', query['colour'], COLOURS),
      pathwayId: parsePathway(query['pathway']),
      assignee: parseSubject('assignee', query['assignee']),
      limit: parseLimit(query['limit']),
      careTeams: careTeamsShownTo(principal, team),
      after: query['page_token'] === undefined ? undefined : decodePageToken(String(query['page_token'])),
    };
    // The policy narrows the list further (blocks) and, unless one team was asked for, adds the patients the caller holds an open emergency access to.
    const entries = await this.reader.worklistFor(principal, filter, commandMetadataFrom(principal, headers), team === undefined);
    const last = entries[entries.length - 1];
    return {
      entries: entries.map(({ patientId, colour, reasons, since, careTeam, pathwayId, openAlert, enrolment }) => ({ patientId, colour, reasons, since, careTeam, pathwayId, openAlert, enrolment })),
      ...(last && entries.length === filter.limit ? { nextPageToken: encodePageToken({ colour: last.colour, since: last.since, patientId: last.patientId }) } : {}),
    };
  }
}
