import { randomUUID } from 'node:crypto';
import type { RelatedPerson } from '@medplum/fhirtypes';
import { Body, Controller, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import { Access, CurrentPrincipal, type Principal } from '@varde/auth';
import { birthDateOf, D_NUMBER_SYSTEM, FODSELSNUMMER_SYSTEM, nationalIdSystem, osloDate, UnprocessableError, ValidationError } from '@varde/core';
import { indexR4Definitions, r4Issues } from '@varde/fhir';
import { commandMetadataFrom, EnrolmentDirectory, type MetadataHeaders } from '@varde/platform';
import { PatientDataAccess } from '../application/patient-data-access';
import { RegisterGuardianHandler } from '../application/register-guardian.handler';
import { isPatientId } from './record-access.request';
import { sharingPaths } from './sharing-paths';

/** Identifier systems of the national identity number and the D-number. */
const NATIONAL_ID_SYSTEMS = [FODSELSNUMMER_SYSTEM, D_NUMBER_SYSTEM];
const ROLE_CODES = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
/** Relationships that give a legal basis to act for a child: parental responsibility (barneloven § 30) or an appointed guardian. */
const LEGAL_BASES: Readonly<Record<string, string>> = { PRN: 'parent', MTH: 'mother', FTH: 'father', GUARD: 'guardian' };

/**
 * FHIR RelatedPerson: a guardian registered for a child, with the legal basis (relationship) and the child's national
 * id, from which the birth date — and so the age rules of the policy — are computed; the national id is not kept.
 * Recorded by a clinician of the child's care team.
 */
@Controller('fhir/RelatedPerson')
export class RelatedPersonsHttpController {
  constructor(
    @Inject(RegisterGuardianHandler) private readonly register: RegisterGuardianHandler,
    @Inject(PatientDataAccess) private readonly access: PatientDataAccess,
    @Inject(EnrolmentDirectory) private readonly enrolments: EnrolmentDirectory,
  ) {
    indexR4Definitions();
  }

  /** `201` with the registered RelatedPerson (without the child's national id). */
  @Post()
  @Access('consents', 'write', { patient: 'body' })
  @HttpCode(201)
  async create(@Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    if (typeof body !== 'object' || body === null || (body as { resourceType?: unknown }).resourceType !== 'RelatedPerson') throw ValidationError.field('RelatedPerson.resourceType', 'expected a FHIR RelatedPerson');
    const issues = r4Issues(body as Record<string, unknown>);
    if (issues.length > 0) throw new ValidationError(issues);
    const person = body as RelatedPerson;
    const patientId = /^Patient\/(.+)$/.exec(person.patient.reference ?? '')?.[1];
    if (patientId === undefined || !isPatientId(patientId)) throw new UnprocessableError('RelatedPerson.patient.reference', 'Varde needs the child as Patient/<internal patient id>');
    const nationalId = person.patient.identifier;
    if (nationalId?.value === undefined || !NATIONAL_ID_SYSTEMS.includes(nationalId.system ?? '')) {
      throw new UnprocessableError('RelatedPerson.patient.identifier', `Varde needs the child's national id or D-number (system ${NATIONAL_ID_SYSTEMS.join(' or ')}) to judge the age rules`);
    }
    const childBirthDate = birthDateOf(nationalId.value);
    if (childBirthDate === undefined) throw ValidationError.field('RelatedPerson.patient.identifier.value', 'expected a valid national identity number or D-number');
    // A D-number (day + 40) has a system of its own; pathways holds each number under its own system.
    if (nationalId.system !== nationalIdSystem(nationalId.value)) throw ValidationError.field('RelatedPerson.patient.identifier.system', `expected ${nationalIdSystem(nationalId.value)} for this number (D-numbers ${D_NUMBER_SYSTEM}, other national ids ${FODSELSNUMMER_SYSTEM})`);
    const relationship = (person.relationship ?? []).flatMap((c) => c.coding ?? []).find((c) => c.system === ROLE_CODES && c.code !== undefined && LEGAL_BASES[c.code] !== undefined)?.code;
    if (relationship === undefined) throw new UnprocessableError('RelatedPerson.relationship', `state the legal basis: ${ROLE_CODES} ${Object.keys(LEGAL_BASES).join(', ')} (parental responsibility, or an appointed guardian)`);
    const guardianIdentifiers = (person.identifier ?? []).map((i) => i.value).filter((v): v is string => typeof v === 'string' && v !== '');
    if (guardianIdentifiers.length === 0) throw new UnprocessableError('RelatedPerson.identifier', "Varde needs the guardian's identifier as their sign-in gives it (the token subject) to recognise them");
    await this.access.authorise(principal, 'consents', 'write', patientId);
    // The number must be the child's as pathways holds it (FindEnrolledPatient): another person's would set the wrong
    // age rules. Asked once the caller may act for the child (a clinician of their care team), so it tells no one else.
    const holder = await this.enrolments.enrolledPatientOf({ system: nationalId.system!, value: nationalId.value });
    if (holder !== patientId) throw new UnprocessableError('RelatedPerson.patient.identifier', `this is not the national id Varde holds for Patient/${patientId} (the child must be enrolled, with this number)`);
    const metadata = commandMetadataFrom(principal, headers);
    const { identifier: _nationalId, ...patient } = person.patient;
    const relatedPersonId = randomUUID();
    const registered = await this.register
      .handle({ relatedPersonId, patientId, guardianIdentifiers, relationship, childBirthDate, resource: { ...person, patient }, today: osloDate(metadata.now) }, metadata)
      .catch(sharingPaths.rethrow);
    return { ...(registered.resource as unknown as RelatedPerson), resourceType: 'RelatedPerson', id: registered.relatedPersonId };
  }
}
