import { Controller, Get, Headers, Inject, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { AccessLog, AccessPolicy, type MetadataHeaders, negotiateFhir } from '@varde/platform';
import { EnrolmentQuery, type EnrolmentView } from '../application/enrolment.query';
import { PathwayDefinitions } from '../application/pathway-definitions.service';
import type { PathwayVersion } from '../domain/pathway-definition';
import { assertSearchParameters, searchset } from './fhir-search';
import { readablePatient } from './patient-read';

const CAREPLAN_STATUS: Record<EnrolmentView['status'], string> = { active: 'active', paused: 'on-hold', discharged: 'completed' };

/** An enrolment as the patient's FHIR CarePlan: what it instantiates, its period, care team and scheduled activities. */
function carePlanOf(view: EnrolmentView, pathway: PathwayVersion | undefined): Record<string, unknown> {
  return {
    resourceType: 'CarePlan',
    id: view.enrolmentId,
    meta: { versionId: String(view.version) },
    status: CAREPLAN_STATUS[view.status],
    intent: 'plan',
    instantiatesCanonical: [`https://varde.no/fhir/PlanDefinition/${view.pathwayId}|${view.pathwayVersion}`],
    title: pathway?.title ?? view.pathwayId,
    subject: { reference: `Patient/${view.patientId}` },
    period: { start: view.enrolledAt, ...(view.discharge ? { end: view.discharge.at } : {}) },
    careTeam: [{ identifier: { system: 'https://varde.no/fhir/care-team', value: view.careTeamId } }],
    ...(view.pause ? { note: [{ time: view.pause.since, text: `Paused: ${view.pause.reason}${view.pause.until ? ` (until ${view.pause.until})` : ''}` }] } : {}),
    activity: (pathway?.activities ?? []).map((a) => ({
      detail: {
        kind: a.kind === 'measurement' ? 'ServiceRequest' : 'Task',
        instantiatesCanonical: [a.id],
        ...(a.loinc ? { code: { coding: [{ system: 'http://loinc.org', code: a.loinc }] } } : {}),
        description: a.title,
        status: view.status === 'active' ? 'scheduled' : view.status === 'paused' ? 'on-hold' : 'completed',
        scheduledTiming: { repeat: { ...(a.schedule.period ? { frequency: 1, period: a.schedule.period, periodUnit: a.schedule.periodUnit } : {}), ...(a.schedule.dayOfWeek ? { dayOfWeek: a.schedule.dayOfWeek } : {}), timeOfDay: a.schedule.timeOfDay } },
      },
    })),
  };
}

/** The patient's enrolment as FHIR `CarePlan` (`GET /fhir/CarePlan?patient=`). */
@Controller('fhir/CarePlan')
export class CarePlansFhirController {
  constructor(
    @Inject(EnrolmentQuery) private readonly enrolments: EnrolmentQuery,
    @Inject(PathwayDefinitions) private readonly definitions: PathwayDefinitions,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
    @Inject(AccessPolicy) private readonly policy: AccessPolicy,
  ) {}

  /** A searchset Bundle with the patient's latest CarePlan (none when never enrolled); read written to the access log first. */
  @Get()
  @Roles('patient', 'guardian', 'clinician', 'auditor')
  @Access('enrolments', 'read', { patient: { query: 'patient' } })
  async search(@Query() query: Record<string, unknown>, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    assertSearchParameters(query, ['patient'], headers);
    const { enrolment: view } = await readablePatient(query['patient'], principal, headers, { enrolments: this.enrolments, policy: this.policy, accessLog: this.accessLog }, { purpose: 'care-plan', resource: (id) => `CarePlan?patient=${id}` });
    return searchset(headers, 'CarePlan', query, view ? [carePlanOf(view, await this.definitions.version(view.pathwayId, view.pathwayVersion))] : []);
  }
}
