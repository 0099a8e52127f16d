import type { PatientIdentifier } from '../pmd/pmd-batch';
import { ORGANISATION_NUMBER_SYSTEM } from '../pmd/pmd-observation';
import { PLAN_COLOURS, type PlanColour, type SharedSelfCarePlan } from './self-care-plan';

/** Identifier system of a shared self-care plan's CarePlan (value: the enrolment id): one CarePlan per enrolment. */
export const SELF_CARE_PLAN_SYSTEM = 'https://varde.no/fhir/sid/self-care-plan';
/** Identifier system of the DocumentReference carrying the plan's PDF (value: the enrolment id). */
export const SELF_CARE_PLAN_PDF_SYSTEM = 'https://varde.no/fhir/sid/self-care-plan-pdf';
/** Varde's code system of the triage colours an activity of the plan is for. */
export const TRIAGE_COLOUR_SYSTEM = 'https://varde.no/fhir/CodeSystem/triage-colour';
const TRANSLATION = 'http://hl7.org/fhir/StructureDefinition/translation';

/** Colour names and the fixed texts of the plan, in both languages. */
export const PLAN_TEXTS = {
  colour: { green: { nb: 'Grønn', en: 'Green' }, yellow: { nb: 'Gul', en: 'Yellow' }, red: { nb: 'Rød', en: 'Red' } } satisfies Record<PlanColour, { nb: string; en: string }>,
  title: { nb: 'Egenbehandlingsplan', en: 'Self-care plan' },
  description: {
    nb: 'Hva pasienten selv skal gjøre når målinger og svar i den digitale hjemmeoppfølgingen blir grønne, gule eller røde.',
    en: 'What the patient should do themselves when measurements and answers in digital home follow-up turn green, yellow or red.',
  },
  revoked: { nb: 'Planen gjelder ikke lenger og deles ikke lenger av sykehuset.', en: 'This plan no longer applies and is no longer shared by the hospital.' },
} as const;

/** The PDF of a plan, as it is attached: base64 content, its size in bytes and SHA-1 (base64), when it was made. */
export type PlanPdf = Readonly<{ base64: string; size: number; sha1: string; createdAt: string }>;

const english = (en: string) => ({ extension: [{ url: TRANSLATION, extension: [{ url: 'lang', valueCode: 'en' }, { url: 'content', valueString: en }] }] });
const hospitalReference = (hospital: string) => ({ type: 'Organization', identifier: { system: ORGANISATION_NUMBER_SYSTEM, value: hospital } });
const identifier = (system: string, enrolmentId: string) => ({ system, value: enrolmentId });
const search = (system: string, enrolmentId: string) => `identifier=${encodeURIComponent(`${system}|${enrolmentId}`)}`;
const ACTIVITY_STATUS = { active: 'in-progress', completed: 'completed' } as const;

/**
 * The plan as an R4 CarePlan for the municipality and GP: the patient by national id, the hospital as author, the
 * pathway version it instantiates, one activity per colour (Norwegian text, English as a translation) and the PDF's
 * DocumentReference as supporting information. A revoked version keeps who and what but no activities.
 */
export function selfCareCarePlan(shared: SharedSelfCarePlan, hospital: string, subject: PatientIdentifier): Record<string, unknown> {
  const plan = shared.status === 'revoked' ? undefined : shared.plan;
  return {
    resourceType: 'CarePlan',
    language: 'nb',
    identifier: [identifier(SELF_CARE_PLAN_SYSTEM, shared.enrolmentId)],
    instantiatesCanonical: [`https://varde.no/fhir/PlanDefinition/${shared.pathwayId}|${shared.pathwayVersion}`],
    status: shared.status,
    intent: 'plan',
    category: [{ coding: [{ system: 'https://varde.no/fhir/CodeSystem/care-plan-category', code: 'self-care-plan', display: PLAN_TEXTS.title.nb }], text: `${PLAN_TEXTS.title.nb} / ${PLAN_TEXTS.title.en}` }],
    title: `${PLAN_TEXTS.title.nb}: ${shared.title}`,
    _title: english(`${PLAN_TEXTS.title.en}: ${shared.title}`),
    description: PLAN_TEXTS.description.nb,
    _description: english(PLAN_TEXTS.description.en),
    subject: { type: 'Patient', identifier: subject },
    period: { start: shared.periodStart, ...(shared.periodEnd ? { end: shared.periodEnd } : {}) },
    author: hospitalReference(hospital),
    ...(plan
      ? {
          supportingInfo: [{ type: 'DocumentReference', identifier: identifier(SELF_CARE_PLAN_PDF_SYSTEM, shared.enrolmentId), display: `${PLAN_TEXTS.title.nb} (PDF)` }],
          activity: PLAN_COLOURS.map((colour) => ({
            detail: {
              code: { coding: [{ system: TRIAGE_COLOUR_SYSTEM, code: colour, display: PLAN_TEXTS.colour[colour].en }], text: PLAN_TEXTS.colour[colour].nb },
              status: ACTIVITY_STATUS[shared.status as 'active' | 'completed'],
              description: plan[colour].nb,
              _description: english(plan[colour].en),
            },
          })),
        }
      : { note: [{ text: PLAN_TEXTS.revoked.nb, _text: english(PLAN_TEXTS.revoked.en) }] }),
  };
}

/**
 * The PDF as an R4 DocumentReference: the way document consumers (IHE MHD, the municipalities' record systems) find
 * a readable document for a patient — by type, subject and date — with the PDF inline (`attachment.data`), so the
 * document is one self-contained resource a `batch` can write without cross-entry references, and a link back to
 * the CarePlan by identifier.
 */
export function selfCarePlanDocument(shared: SharedSelfCarePlan, hospital: string, subject: PatientIdentifier, pdf: PlanPdf): Record<string, unknown> {
  return {
    resourceType: 'DocumentReference',
    identifier: [identifier(SELF_CARE_PLAN_PDF_SYSTEM, shared.enrolmentId)],
    status: 'current',
    docStatus: 'final',
    type: { coding: [{ system: 'http://loinc.org', code: '18776-5', display: 'Plan of care note' }], text: PLAN_TEXTS.title.nb },
    subject: { type: 'Patient', identifier: subject },
    date: pdf.createdAt,
    author: [hospitalReference(hospital)],
    description: `${PLAN_TEXTS.title.nb}: ${shared.title}`,
    content: [{ attachment: { contentType: 'application/pdf', language: 'nb', data: pdf.base64, size: pdf.size, hash: pdf.sha1, title: `egenbehandlingsplan-${shared.pathwayId}.pdf`, creation: pdf.createdAt } }],
    context: { period: { start: shared.periodStart, ...(shared.periodEnd ? { end: shared.periodEnd } : {}) }, related: [{ type: 'CarePlan', identifier: identifier(SELF_CARE_PLAN_SYSTEM, shared.enrolmentId) }] },
  };
}

/**
 * One version of the plan as a FHIR `batch` Bundle: the CarePlan and its PDF's DocumentReference, each a conditional
 * update on its identifier (a new version of the one resource, created the first time; a resend stores the same
 * content again, never a second resource). A revoked plan deletes its PDF instead.
 */
export function selfCarePlanBatch(shared: SharedSelfCarePlan, hospital: string, subject: PatientIdentifier, pdf: PlanPdf | undefined): Record<string, unknown> {
  const document = shared.status !== 'revoked' && pdf
    ? { resource: selfCarePlanDocument(shared, hospital, subject, pdf), request: { method: 'PUT', url: `DocumentReference?${search(SELF_CARE_PLAN_PDF_SYSTEM, shared.enrolmentId)}` } }
    : { request: { method: 'DELETE', url: `DocumentReference?${search(SELF_CARE_PLAN_PDF_SYSTEM, shared.enrolmentId)}` } };
  return {
    resourceType: 'Bundle',
    type: 'batch',
    entry: [{ resource: selfCareCarePlan(shared, hospital, subject), request: { method: 'PUT', url: `CarePlan?${search(SELF_CARE_PLAN_SYSTEM, shared.enrolmentId)}` } }, document],
  };
}
