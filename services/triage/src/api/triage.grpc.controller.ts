import type { Metadata } from '@grpc/grpc-js';
import { Controller, Inject } from '@nestjs/common';
import { AcceptsUserTokensOverGrpc, Access, careTeamsShownTo, TokenVerifier } from '@varde/auth';
import { colourFromProto, colourToProto, commonV1, triageV1Service } from '@varde/contracts';
import { ValidationError } from '@varde/core';
import { grpcCall } from '@varde/platform';
import { PatientDataReader } from '../application/patient-data.reader';
import type { Colour } from '../domain/triage-rules';
import { provenanceToProto, reasonToProto } from '../infrastructure/triage-proto.mapping';
import type { AssessmentRecord, WorklistEntry } from '../infrastructure/worklist.query';
import { authenticateGrpcCall } from './grpc-caller';
import { parseId, parsePathway, parseSubject } from './query-params';
import { decodePageToken, encodePageToken } from './worklist-page-token';

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

const alertStatuses = { open: triageV1Service.OpenAlertStatus.OPEN_ALERT_STATUS_OPEN, acknowledged: triageV1Service.OpenAlertStatus.OPEN_ALERT_STATUS_ACKNOWLEDGED } as const;

/**
 * gRPC `varde.triage.v1.TriageService`: the same reads as GET /api/patients/:id/triage and GET /api/worklist,
 * with the same policy (`@Access`: scopes, roles, an auditor's stated reason), patient checks and access logging
 * (through {@link PatientDataReader}).
 */
@Controller()
// The clinician UI's backend calls with the clinician's own token; other services with their service token.
@AcceptsUserTokensOverGrpc()
@triageV1Service.TriageServiceControllerMethods()
export class TriageGrpcController implements triageV1Service.TriageServiceController {
  constructor(
    @Inject(PatientDataReader) private readonly reader: PatientDataReader,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
  ) {}

  // An auditor states why in the `audit-reason` metadata, as in the HTTP header (INVALID_ARGUMENT naming it otherwise,
  // from the shared guard before this runs); the access-log entry keeps it.
  @Access('triage', 'read', { patient: { field: 'patient_id' } })
  getPatientStatus(request: triageV1Service.GetPatientStatusRequest, metadata?: Metadata): Promise<triageV1Service.GetPatientStatusResponse> {
    return grpcCall(async () => {
      const caller = await authenticateGrpcCall(this.verifier, metadata, ['clinician', 'auditor', 'patient', 'guardian']);
      const patientId = parseId('patient_id', request.patientId, 'an internal patient id');
      const { reason } = await this.reader.authorise(caller.principal, patientId);
      const view = await this.reader.patientTriage(patientId, caller.request, reason);
      return { status: statusOf(view), assessment: view.assessment === null ? undefined : assessmentOf(view.assessment) };
    });
  }

  @Access('triage', 'read')
  listWorklist(request: triageV1Service.ListWorklistRequest, metadata?: Metadata): Promise<triageV1Service.ListWorklistResponse> {
    return grpcCall(async () => {
      const caller = await authenticateGrpcCall(this.verifier, metadata, ['clinician', 'auditor']);
      const limit = pageSize(request.pageSize);
      const after = decodePageToken(request.pageToken);
      const filter = {
        colour: colourFilter(request.colour),
        pathwayId: parsePathway(request.pathwayId || undefined),
        assignee: parseSubject('assignee', request.assignee || undefined),
        limit,
        careTeams: careTeamsShownTo(caller.principal),
        ...(after ? { after } : {}),
      };
      const entries = await this.reader.worklistFor(caller.principal, filter, caller.request, true);
      const last = entries.at(-1);
      // A full page may have a successor; a short one cannot.
      const nextPageToken = last && entries.length === limit ? encodePageToken(last) : '';
      return { entries: entries.map(statusOf), nextPageToken };
    });
  }
}

function pageSize(requested: number): number {
  if (requested === 0) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(requested) || requested < 1 || requested > MAX_PAGE_SIZE) throw ValidationError.field('page_size', `expected 1 to ${MAX_PAGE_SIZE}, or 0 for ${DEFAULT_PAGE_SIZE}`);
  return requested;
}

function statusOf(entry: WorklistEntry): triageV1Service.PatientStatus {
  const alert = entry.openAlert;
  return {
    patientId: entry.patientId,
    colour: colourToProto(entry.colour),
    reasons: [...entry.reasons],
    since: new Date(entry.since),
    pathwayId: entry.pathwayId ?? '',
    openAlert: alert ? { alertId: alert.id, colour: colourToProto(alert.colour), status: alertStatuses[alert.status], ageSeconds: alert.ageSeconds, assignee: alert.assignee ?? '' } : undefined,
  };
}

function assessmentOf(a: AssessmentRecord): triageV1Service.TriageAssessment {
  return {
    assessmentId: a.assessmentId,
    assessedAt: new Date(a.assessedAt),
    previousColour: colourToProto(a.previousColour),
    reasons: a.reasons.map(reasonToProto),
    provenance: provenanceToProto(a.provenance),
  };
}

// An unknown enum number is a caller error, not "all colours".
function colourFilter(colour: commonV1.Colour): Colour | undefined {
  const filter = colourFromProto(colour);
  if (filter === undefined && colour !== commonV1.Colour.COLOUR_UNSPECIFIED) throw ValidationError.field('colour', 'expected COLOUR_GREEN, COLOUR_YELLOW, COLOUR_RED, or COLOUR_UNSPECIFIED for all');
  return filter;
}
