import { Controller, Get, Headers, Inject, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access, CurrentPrincipal, Roles, type Principal } from '@varde/auth';
import { ValidationError } from '@varde/core';
import { AccessLog, AccessPolicy, type MetadataHeaders, negotiateFhir } from '@varde/platform';
import { DateTime } from 'luxon';
import { EnrolmentQuery } from '../application/enrolment.query';
import { DEFAULT_ZONE } from '../application/schedule/occurrences';
import { PLANNING_HORIZON_DAYS } from '../application/schedule/task-scheduler';
import { TaskSchedule, type ScheduledTask } from '../application/schedule/task-schedule.port';
import { assertSearchParameters, searchset } from './fhir-search';
import { readablePatient } from './patient-read';

/** Varde's task states as FHIR Task.status. */
const FHIR_STATUS: Record<ScheduledTask['status'], string> = { planned: 'requested', due: 'ready', completed: 'completed', missed: 'failed', cancelled: 'cancelled' };
const FROM_FHIR = Object.fromEntries(Object.entries(FHIR_STATUS).map(([ours, fhir]) => [fhir, ours])) as Record<string, ScheduledTask['status']>;

/** A scheduled task as a FHIR Task: what to do, for whom, from when until when it counts. */
function fhirTask(task: ScheduledTask): Record<string, unknown> {
  return {
    resourceType: 'Task',
    id: task.taskId,
    status: FHIR_STATUS[task.status],
    intent: 'plan',
    instantiatesCanonical: task.activity,
    basedOn: [{ reference: `CarePlan/${task.enrolmentId}` }],
    for: { reference: `Patient/${task.patientId}` },
    description: task.title,
    ...(task.loinc ? { code: { coding: [{ system: 'http://loinc.org', code: task.loinc }] } } : {}),
    ...(task.questionnaire ? { input: [{ type: { text: 'questionnaire' }, valueCanonical: task.questionnaire }] } : {}),
    executionPeriod: { start: task.dueAt, end: task.windowEnd },
    ...(task.completedBy ? { output: [{ type: { text: 'completed by' }, valueString: task.completedBy }] } : {}),
  };
}

/**
 * The patient's tasks as FHIR `Task`: `GET /fhir/Task?patient=<id>` lists today's (Europe/Oslo) and the next 14
 * days' with their windows, plus any still due; `status` narrows (requested = planned, ready = due now, completed,
 * failed = missed); `period=<YYYY-MM-DD>` gives one local day ("what is due today").
 */
@Controller('fhir/Task')
export class TasksFhirController {
  constructor(
    @Inject(TaskSchedule) private readonly schedule: TaskSchedule,
    @Inject(EnrolmentQuery) private readonly enrolments: EnrolmentQuery,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
    @Inject(AccessPolicy) private readonly policy: AccessPolicy,
  ) {}

  /**
   * `200` a searchset Bundle of the patient's tasks (`patient=` required; `status=` requested|ready|completed|failed|cancelled,
   * `period=YYYY-MM-DD` one local day); 400 naming an unsupported parameter or a bad status or period.
   */
  @Get()
  @Roles('patient', 'guardian', 'clinician', 'auditor')
  @Access('enrolments', 'read', { patient: { query: 'patient' } })
  async search(@Query() query: Record<string, unknown>, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    negotiateFhir(request, reply);
    assertSearchParameters(query, ['patient', 'status', 'period'], headers);
    const status = query['status'];
    if (status !== undefined && (typeof status !== 'string' || !FROM_FHIR[status])) throw ValidationError.field('status', `expected one of ${Object.keys(FROM_FHIR).join(', ')}`);
    const period = query['period'];
    const day = typeof period === 'string' ? DateTime.fromISO(period, { zone: DEFAULT_ZONE }) : undefined;
    if (period !== undefined && (!day?.isValid || !/^\d{4}-\d{2}-\d{2}$/.test(String(period)))) throw ValidationError.field('period', 'expected a date, e.g. 2027-03-28 (the patient\'s local day)');
    const { patientId } = await readablePatient(query['patient'], principal, headers, { enrolments: this.enrolments, policy: this.policy, accessLog: this.accessLog }, { purpose: 'tasks', resource: (id) => `Task?patient=${id}` });
    const start = day ?? DateTime.now().setZone(DEFAULT_ZONE).startOf('day');
    const end = day ? day.plus({ days: 1 }) : start.plus({ days: PLANNING_HORIZON_DAYS + 1 });
    const tasks = await this.schedule.tasksOf(patientId, start.toUTC().toISO()!, end.toUTC().toISO()!, typeof status === 'string' ? FROM_FHIR[status] : undefined);
    return searchset(headers, 'Task', query, tasks.map(fhirTask));
  }
}
