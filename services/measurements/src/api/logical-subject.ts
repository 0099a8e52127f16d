import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '@varde/auth';
import { checkNationalId, D_NUMBER_SYSTEM, FODSELSNUMMER_SYSTEM, ForbiddenError, nationalIdSystem, UnprocessableError, ValidationError } from '@varde/core';
import { EnrolmentDirectory } from '@varde/platform';

/** The identifier systems a logical reference to a patient may use: fødselsnummer and D-number. */
export const NATIONAL_ID_SYSTEMS: readonly string[] = [FODSELSNUMMER_SYSTEM, D_NUMBER_SYSTEM];

/** Rewrites one resource's logical subject reference to the literal one; `at` names where the resource sits. */
export type ResolveSubject = (resource: unknown, at?: string) => Promise<unknown>;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * FHIR logical references to patients: `subject.identifier` with a fødselsnummer or D-number resolves, through
 * pathways, to the patient enrolled with it. The resource is then recorded with `subject.reference` =
 * `Patient/<internal id>` and without the number, which Varde never stores outside pathways' sealed table
 * (identities must stay erasable; events are not). Nothing here ever repeats the number in an answer.
 */
@Injectable()
export class LogicalSubjects {
  constructor(@Inject(EnrolmentDirectory) private readonly enrolments: EnrolmentDirectory) {}

  /**
   * The resolver for one request's caller. A patient may name only themself and a device gateway only its
   * patients: anything else is a 403 whether or not the number is enrolled, so neither learns who is; a
   * clinician (or another caller) naming a number no enrolled patient has gets a 422. A Bundle asks once per number.
   */
  forRequest(principal: Principal): ResolveSubject {
    const found = new Map<string, Promise<string | undefined>>();
    const find = (system: string, value: string): Promise<string | undefined> => {
      const key = `${system}|${value}`;
      let answer = found.get(key);
      if (!answer) found.set(key, (answer = this.enrolments.enrolledPatientOf({ system, value })));
      return answer;
    };
    return async (resource, at = 'Observation') => {
      if (!isObject(resource) || !isObject(resource['subject'])) return resource;
      const subject = resource['subject'];
      const identifier = subject['identifier'];
      // Anything malformed is the R4 validator's to name; an identifier beside a literal reference is kept as sent.
      if (!isObject(identifier) || typeof identifier['system'] !== 'string' || typeof identifier['value'] !== 'string') return resource;
      const { system, value } = identifier as { system: string; value: string };
      if (!NATIONAL_ID_SYSTEMS.includes(system) && subject['reference'] !== undefined) return resource;
      const patientId = await this.patientOf(principal, { system, value }, `${at}.subject.identifier`, find);
      if (patientId === undefined) {
        if (principal.role === 'system') throw new ForbiddenError(`${at}.subject.identifier: gateway ${principal.subject} is not assigned to this patient`);
        throw new UnprocessableError(`${at}.subject.identifier`, 'no patient enrolled in Varde has this national identity number');
      }
      if (subject['reference'] !== undefined && subject['reference'] !== `Patient/${patientId}`) {
        throw new UnprocessableError(`${at}.subject`, 'subject.reference and subject.identifier name different patients');
      }
      const { identifier: _number, ...kept } = subject;
      return { ...resource, subject: { ...kept, reference: `Patient/${patientId}` } };
    };
  }

  /**
   * The enrolled patient a national identity number names, for `principal`: undefined when there is none; a
   * patient naming anyone but themself is a 403 whether the number is enrolled or not. `field` names the
   * identifier in errors, which never repeat the number.
   */
  async patientOf(principal: Principal, identifier: Readonly<{ system: string; value: string }>, field: string, find = (system: string, value: string) => this.enrolments.enrolledPatientOf({ system, value })): Promise<string | undefined> {
    const { system, value } = identifier;
    if (!NATIONAL_ID_SYSTEMS.includes(system)) throw new UnprocessableError(`${field}.system`, `a patient is identified by fødselsnummer (${FODSELSNUMMER_SYSTEM}) or D-number (${D_NUMBER_SYSTEM}), or referenced as "Patient/<id>"`);
    const check = checkNationalId(value);
    if (!check.valid) throw ValidationError.field(`${field}.value`, `not a national identity number: ${check.reason}`);
    if (nationalIdSystem(value) !== system) throw ValidationError.field(`${field}.system`, `the number is a ${check.kind === 'd-number' ? 'D-number' : 'fødselsnummer'}: expected system ${nationalIdSystem(value)}`);
    const patientId = await find(system, value);
    if (principal.role === 'patient' && (patientId === undefined || patientId !== principal.patientId)) {
      throw new ForbiddenError(`${field}: a patient token may only name the patient's own national identity number`);
    }
    return patientId;
  }
}
