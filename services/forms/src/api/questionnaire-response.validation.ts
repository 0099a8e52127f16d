import { ValidationError, type FieldIssue } from '@varde/core';
import { z } from 'zod';
import { questionnaireByCanonical, QUESTIONNAIRES, canonicalOf, type QuestionnaireVersion } from '../domain/questionnaire-catalogue';
import { fhirElementPath, parseResource } from '@varde/fhir';

const RESOURCE = 'QuestionnaireResponse';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** How far in the future an authored time may be: clients' clocks drift, not by more. */
const MAX_FUTURE_MS = 5 * 60_000;

const Answer = z
  .object({
    valueInteger: z.number({ invalid_type_error: 'expected a whole number (a JSON number)' }).int('expected a whole number').optional(),
    valueCoding: z.object({ system: z.string().optional(), code: z.string({ required_error: 'required: the answer code, "0" to "5"' }), display: z.string().optional() }).optional(),
  })
  .strict();

const QuestionnaireResponseBody = z
  .object({
    resourceType: z.literal(RESOURCE, { errorMap: () => ({ message: `expected "${RESOURCE}"` }) }),
    id: z.string().optional(),
    meta: z.unknown().optional(),
    language: z.string().optional(),
    text: z.unknown().optional(),
    identifier: z.unknown().optional(),
    questionnaire: z.string({ required_error: 'required: the canonical URL of the questionnaire answered' }),
    status: z.literal('completed', { errorMap: () => ({ message: 'expected "completed": only finished responses are accepted' }) }),
    subject: z.object({ reference: z.string({ required_error: 'required: "Patient/<patient id>"' }), display: z.string().optional() }, { required_error: 'required: {"reference": "Patient/<patient id>"}' }),
    authored: z.string({ required_error: 'required: when the patient completed the form (ISO 8601 date-time)' }).datetime({ offset: true, message: 'expected an ISO 8601 date-time with time zone, e.g. 2026-11-22T08:00:00+01:00' }),
    item: z.array(
      z.object({
        linkId: z.string({ required_error: 'required: the item linkId' }),
        text: z.string().optional(),
        answer: z.array(Answer, { required_error: 'required: one answer' }).length(1, 'expected exactly one answer'),
      }),
      { required_error: 'required: one item per question' },
    ),
  })
  .strict();

/** A questionnaire response that passed validation. */
export type ValidResponse = Readonly<{ patientId: string; questionnaire: QuestionnaireVersion; authoredAt: string; answers: Record<string, number> }>;

/**
 * Validates a FHIR R4 QuestionnaireResponse against the published questionnaire it names: completed, for an
 * internal patient id, authored not in the future, one answer 0–5 for each item and no other items.
 */
export function validateQuestionnaireResponse(body: unknown, now: Date): ValidResponse {
  const qr = parseResource(QuestionnaireResponseBody, body, RESOURCE);
  const issues: FieldIssue[] = [];
  const issue = (field: string, message: string): void => void issues.push({ field: fhirElementPath(RESOURCE, field), message });

  const questionnaire = questionnaireByCanonical(qr.questionnaire);
  if (!questionnaire) issue('questionnaire', `unknown questionnaire "${qr.questionnaire}"; published: ${Object.values(QUESTIONNAIRES).map(canonicalOf).join(', ')}`);
  const reference = /^Patient\/(.+)$/.exec(qr.subject.reference);
  if (!reference || !UUID.test(reference[1]!)) issue('subject.reference', 'expected "Patient/<internal patient id (UUID)>"');
  if (Date.parse(qr.authored) > now.getTime() + MAX_FUTURE_MS) issue('authored', 'is in the future');

  const answers: Record<string, number> = {};
  if (questionnaire) {
    const known = new Map(questionnaire.items.map((item) => [item.linkId, item]));
    qr.item.forEach((entry, i) => {
      const item = known.get(entry.linkId);
      if (!item) return issue(`item.${i}.linkId`, `unknown item "${entry.linkId}"; expected one of ${[...known.keys()].join(', ')}`);
      if (entry.linkId in answers) return issue(`item.${i}.linkId`, `item "${entry.linkId}" is answered more than once`);
      const answer = entry.answer[0]!;
      let value: number | undefined;
      if (answer.valueInteger !== undefined && answer.valueCoding === undefined) {
        value = answer.valueInteger;
        if (value < item.min || value > item.max) return issue(`item.${i}.answer.0.valueInteger`, `expected ${item.min} to ${item.max}`);
      } else if (answer.valueCoding !== undefined && answer.valueInteger === undefined) {
        value = /^\d$/.test(answer.valueCoding.code) ? Number(answer.valueCoding.code) : NaN;
        if (!(value >= item.min && value <= item.max)) return issue(`item.${i}.answer.0.valueCoding.code`, `expected "${item.min}" to "${item.max}"`);
      } else {
        return issue(`item.${i}.answer.0`, 'expected exactly one of valueInteger or valueCoding');
      }
      answers[entry.linkId] = value;
    });
    const missing = questionnaire.items.filter((item) => !(item.linkId in answers) && !qr.item.some((e) => e.linkId === item.linkId));
    if (missing.length > 0) issue('item', `missing answers for: ${missing.map((m) => m.linkId).join(', ')}`);
  }
  if (issues.length > 0 || !questionnaire || !reference) throw new ValidationError(issues);
  return { patientId: reference[1]!.toLowerCase(), questionnaire, authoredAt: new Date(qr.authored).toISOString(), answers };
}
