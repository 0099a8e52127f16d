import { randomUUID } from 'node:crypto';
import { Body, Controller, Headers, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { Access, assertMayActForCareTeam, CurrentPrincipal, Roles, type Principal } from '@varde/auth';
import { parseBody } from '@varde/fhir';
import { AccessPolicy, commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import { z } from 'zod';
import { EnrolmentQuery } from '../application/enrolment.query';
import { RecordContactHandler } from '../application/record-contact.handler';
import { CONTACT_DRIVERS, CONTACT_MODES } from '../domain/contact.decide';
import { parsePatientId } from './enrolment-request.fields';
import { enrolmentQuestion } from './patient-read';

const ContactRequest = z
  .object({
    driver: z.enum(CONTACT_DRIVERS, { errorMap: () => ({ message: 'expected "need" (behovsstyrt: prompted by the patient\'s data or request) or "calendar" (kalenderstyrt)' }) }),
    mode: z.enum(CONTACT_MODES, { errorMap: () => ({ message: `expected one of ${CONTACT_MODES.join(', ')}` }) }),
    startedAt: z.string({ required_error: 'required: when the contact started' }).datetime({ offset: true, message: 'expected an ISO 8601 date-time with a time zone' }),
    durationMinutes: z.number({ required_error: 'required: how long it lasted, in minutes', invalid_type_error: 'expected whole minutes' }),
    alertId: z.string().min(1).max(100).optional(),
    taskId: z.string().uuid('expected a task id (from GET /fhir/Task)').optional(),
    patientRequest: z.boolean().optional(),
  })
  .strict();

/** Contacts with the patient, need-driven or calendar-driven: the strategy's share of need-driven consultations comes from these. */
@Controller('api/enrolments/:patientId/contacts')
export class ContactsHttpController {
  constructor(
    @Inject(RecordContactHandler) private readonly record: RecordContactHandler,
    @Inject(EnrolmentQuery) private readonly enrolments: EnrolmentQuery,
    @Inject(AccessPolicy) private readonly policy: AccessPolicy,
  ) {}

  /** `{driver, mode, startedAt, durationMinutes, alertId?|taskId?|patientRequest?}` → `201` with the contact as recorded (`ContactRecorded` is published). */
  @Post()
  @Roles('clinician')
  @Access('enrolments', 'write', { patient: { param: 'patientId' } })
  @HttpCode(201)
  async create(@Param('patientId') patientId: string, @Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    parsePatientId(patientId);
    const request = parseBody(ContactRequest, body);
    // The policy first (blocks, care team; ADR 0019); the handler checks the care team again on the enrolment it records on.
    await this.policy.authoriseWithTeam(principal, enrolmentQuestion(patientId, 'write', await this.enrolments.latest(patientId)));
    const { startedAt, alertId, taskId, patientRequest, ...rest } = request;
    return this.record.handle(
      patientId,
      { contactId: randomUUID(), ...rest, startedAt: new Date(startedAt).toISOString(), ...(alertId ? { alertId } : {}), ...(taskId ? { taskId } : {}), ...(patientRequest !== undefined ? { patientRequest } : {}) },
      commandMetadataFrom(principal, headers),
      (enrolment) => assertMayActForCareTeam(principal, enrolment.careTeamId),
    );
  }
}
