import type { Consent } from '@medplum/fhirtypes';
import { DATA_CATEGORIES } from '@varde/auth';
import { UnprocessableError, ValidationError } from '@varde/core';
import type { OrganisationDirectory } from '../application/organisation-directory.port';
import type { ConsentParty, ConsentStatus, ConsentTerms, ConsentVersion } from '../domain/consent.events';
import { isOrganisationNumber } from '../domain/organisation-number';

/** Identifier system of HPR numbers (Helsepersonellregisteret). */
export const HPR_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.4';
/** Identifier system of organisation numbers (Enhetsregisteret). */
export const ORGANISATION_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.101';
/** Varde's code system for the access policy's data categories (Consent.provision.class). */
export const DATA_CATEGORY_SYSTEM = 'https://varde.no/fhir/CodeSystem/data-category';
/** Extension (valueBoolean) on Consent: the receivers may see the national identity number. */
export const INCLUDE_NATIONAL_ID_EXTENSION = 'https://varde.no/fhir/StructureDefinition/consent-include-national-id';
const RESOURCE_TYPES_SYSTEM = 'http://hl7.org/fhir/resource-types';

/** FHIR resource types in Consent.provision.class, by the data category of the access policy they are. */
const CATEGORY_OF_RESOURCE_TYPE: Readonly<Record<string, string>> = {
  Observation: 'measurements',
  QuestionnaireResponse: 'forms',
  EpisodeOfCare: 'enrolments',
  CarePlan: 'enrolments',
  RiskAssessment: 'triage',
  Flag: 'alerts',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** True for a lower-case UUID: the ids of consents and of the patients they are about. */
export const isUuid = (value: string): boolean => UUID.test(value);

/**
 * What Varde acts on in a Consent that is valid R4 (checked before): its patient, status, provision type, parties,
 * data categories, period and whether the national id may be shared. Throws UnprocessableError (422, naming the
 * element) for what is valid R4 but Varde cannot act on: no patient, no provision type, nested provisions, a party
 * not named by HPR or organisation number, an organisation the trust has not registered, a permit for a
 * practitioner or an organisation that is not a receiver, an unknown data category.
 */
export function consentTermsOf(consent: Consent, organisations: OrganisationDirectory): ConsentTerms {
  const patientReference = consent.patient?.reference;
  if (patientReference === undefined) throw new UnprocessableError('Consent.patient', 'Varde needs the patient the consent is about, as a reference Patient/<internal patient id>');
  const patientId = /^Patient\/(.+)$/.exec(patientReference)?.[1];
  if (patientId === undefined || !isUuid(patientId)) throw ValidationError.field('Consent.patient.reference', `expected Patient/<internal patient id (UUID)>; got "${patientReference}"`);
  const provision = consent.provision;
  if (provision?.type === undefined) throw new UnprocessableError('Consent.provision.type', 'Varde acts on consents that say permit (share with the parties) or deny (block them)');
  if (provision.provision !== undefined) throw new UnprocessableError('Consent.provision.provision', 'Varde acts on one level of provision only; record each exception as a Consent of its own');
  const actors = provision.actor ?? [];
  if (actors.length === 0) throw new UnprocessableError('Consent.provision.actor', provision.type === 'permit' ? 'name who may receive the data (an organisation by organisation number)' : 'name who is blocked (a health professional by HPR number or an organisation by organisation number)');
  const parties = actors.map((actor, i) => {
    const field = `Consent.provision.actor[${i}].reference`;
    const relatedPerson = /^RelatedPerson\/([0-9a-f-]{36})$/.exec(actor.reference.reference ?? '')?.[1];
    if (relatedPerson === undefined) return partyOf(actor.reference.identifier, provision.type!, field, organisations, actor.reference.display);
    // A child aged 12 to 16 denies a registered guardian categories of information (pasient- og brukerrettighetsloven § 3-4).
    if (provision.type !== 'deny') throw new UnprocessableError(field, 'a guardian acts for the child by registration; a consent names a RelatedPerson only to deny them (deny)');
    return { kind: 'related-person' as const, system: 'RelatedPerson', value: relatedPerson, ...(actor.reference.display ? { display: actor.reference.display } : {}) };
  });
  const categories = [...new Set((provision.class ?? []).map((coding, i) => categoryOf(coding.system, coding.code, `Consent.provision.class[${i}]`)))];
  const include = consent.extension?.find((e) => e.url === INCLUDE_NATIONAL_ID_EXTENSION);
  if (include !== undefined && typeof include.valueBoolean !== 'boolean') throw ValidationError.field(`Consent.extension`, `${INCLUDE_NATIONAL_ID_EXTENSION} takes valueBoolean`);
  return {
    patientId,
    status: consent.status as ConsentStatus,
    provision: provision.type,
    parties,
    categories,
    includeNationalId: include?.valueBoolean === true,
    ...(provision.period?.start ? { periodStart: new Date(provision.period.start).toISOString() } : {}),
    ...(provision.period?.end ? { periodEnd: new Date(provision.period.end).toISOString() } : {}),
  };
}

function partyOf(identifier: { system?: string; value?: string } | undefined, type: 'permit' | 'deny', field: string, organisations: OrganisationDirectory, display?: string): ConsentParty {
  const shown = display === undefined ? {} : { display };
  const value = identifier?.value;
  if (identifier?.system === HPR_SYSTEM && value !== undefined) {
    if (!/^\d{1,9}$/.test(value)) throw ValidationError.field(`${field}.identifier.value`, `expected an HPR number (up to 9 digits); got "${value}"`);
    if (type === 'permit') throw new UnprocessableError(`${field}.identifier`, 'Varde shares with organisations (municipality home care, GP office, health trust), not with a named health professional; name the organisation by organisation number');
    return { kind: 'practitioner', system: HPR_SYSTEM, value, ...shown };
  }
  if (identifier?.system === ORGANISATION_SYSTEM && value !== undefined) {
    if (!isOrganisationNumber(value)) throw ValidationError.field(`${field}.identifier.value`, `expected a 9-digit organisation number with a valid check digit; got "${value}"`);
    const known = organisations.byNumber(value);
    if (known === undefined) throw new UnprocessableError(`${field}.identifier.value`, `organisation ${value} is unknown to this trust's Varde: it shares only with registered municipalities, GP offices and health trusts, and blocks only registered units`);
    const display_ = { display: display ?? known.name };
    if (type === 'deny') return { kind: 'organization', system: ORGANISATION_SYSTEM, value, ...display_ };
    if (known.kind === 'organization') throw new UnprocessableError(`${field}.identifier.value`, `organisation ${value} (${known.name}) is not a receiver of shared data (municipality home care, GP office or health trust)`);
    return { kind: known.kind, system: ORGANISATION_SYSTEM, value, ...display_ };
  }
  throw new UnprocessableError(`${field}.identifier`, `Varde names parties by identifier: an HPR number (system ${HPR_SYSTEM}) or an organisation number (system ${ORGANISATION_SYSTEM}); a registered guardian by reference RelatedPerson/<id>`);
}

function categoryOf(system: string | undefined, code: string | undefined, field: string): string {
  if (system === DATA_CATEGORY_SYSTEM && code !== undefined && (DATA_CATEGORIES as readonly string[]).includes(code)) return code;
  if (system === RESOURCE_TYPES_SYSTEM && code !== undefined && CATEGORY_OF_RESOURCE_TYPE[code] !== undefined) return CATEGORY_OF_RESOURCE_TYPE[code];
  throw new UnprocessableError(field, `Varde acts on classes ${DATA_CATEGORY_SYSTEM}|{${DATA_CATEGORIES.join(', ')}} and ${RESOURCE_TYPES_SYSTEM}|{${Object.keys(CATEGORY_OF_RESOURCE_TYPE).join(', ')}}; got ${system ?? '(no system)'}|${code ?? '(no code)'}`);
}

/** The resource as stored: what was sent, less the id and meta Varde sets. */
export function storedContent(consent: Consent): Record<string, unknown> {
  const { id: _id, meta: _meta, ...content } = consent;
  return content;
}

/** A consent version as FHIR R4 Consent, with its id, version and last update. */
export function consentResource(version: ConsentVersion, lastUpdated: string): Consent {
  return { ...(version.resource as unknown as Consent), resourceType: 'Consent', id: version.consentId, meta: { versionId: String(version.version), lastUpdated } };
}
