import type { Duration, Questionnaire, QuestionnaireItem, QuestionnaireResponse, QuestionnaireResponseItem, QuestionnaireResponseItemAnswer } from '@medplum/fhirtypes';
import { latestMeasurement, type PatientFacts } from '../domain/patient-facts.events';
import { initialAnswer } from '@varde/fhir';
import { EXT, extensionsOf, UCUM } from './form-items';

const DAY = 86_400_000;
const UNIT_MS: Readonly<Record<string, number>> = { a: 365.25 * DAY, mo: 30 * DAY, wk: 7 * DAY, d: DAY, h: DAY / 24, min: 60_000 };
const durationMs = (d: Duration | undefined): number => (d?.value ?? 0) * (UNIT_MS[d?.code ?? ''] ?? 0);

/** What pre-fill may use: the patient's facts, their previous response to this form (if any), the time. */
export type PopulateContext = Readonly<{ patientId: string; facts: PatientFacts; previous?: QuestionnaireResponse; now: Date }>;

const prefilled = (answer: QuestionnaireResponseItemAnswer, source: string): QuestionnaireResponseItemAnswer => ({
  ...answer,
  extension: [...(answer.extension ?? []), { url: EXT.prefilled, valueReference: { reference: source } }],
});

/** An item's pre-filled answer: the latest linked measurement within the SDC observationLinkPeriod, else its initialExpression. */
function answerFor(questionnaire: Questionnaire, item: QuestionnaireItem, context: PopulateContext): QuestionnaireResponseItemAnswer | undefined {
  const period = extensionsOf(item, EXT.observationLinkPeriod)[0]?.valueDuration;
  if (period) {
    const found = (item.code ?? [])
      .map((c) => (c.system && c.code ? latestMeasurement(context.facts, c.system, c.code) : undefined))
      .find((m) => m !== undefined && Date.parse(m.effectiveTime) >= context.now.getTime() - durationMs(period));
    if (found) {
      const answer: QuestionnaireResponseItemAnswer = item.type === 'quantity' ? { valueQuantity: { value: found.value, unit: found.unit, system: UCUM, code: found.unit } } : { valueDecimal: found.value };
      return prefilled(answer, `Observation/${found.measurementId}`);
    }
  }
  if (extensionsOf(item, EXT.initialExpression).length > 0 && context.previous?.id) {
    const answer = initialAnswer(questionnaire, item, { previous: context.previous });
    if (answer) return prefilled(answer, `QuestionnaireResponse/${context.previous.id}`);
  }
  return undefined;
}

function populateItems(questionnaire: Questionnaire, items: readonly QuestionnaireItem[], context: PopulateContext): QuestionnaireResponseItem[] {
  return items.flatMap((item): QuestionnaireResponseItem[] => {
    if (item.type === 'group') {
      const inner = populateItems(questionnaire, item.item ?? [], context);
      return inner.length > 0 ? [{ linkId: item.linkId, ...(item.text ? { text: item.text } : {}), item: inner }] : [];
    }
    const answer = answerFor(questionnaire, item, context);
    return answer ? [{ linkId: item.linkId, ...(item.text ? { text: item.text } : {}), answer: [answer] }] : [];
  });
}

/**
 * SDC `$populate`: an in-progress QuestionnaireResponse with what Varde already knows filled in — the latest
 * measurement an item links to (observationLinkPeriod) and answers an `initialExpression` takes from the
 * patient's previous response to the form (`%previous`) — each answer marked as pre-filled with its source, so the
 * patient confirms or changes it before completing.
 */
export function populateResponse(questionnaire: Questionnaire, context: PopulateContext): QuestionnaireResponse {
  return {
    resourceType: 'QuestionnaireResponse',
    status: 'in-progress',
    questionnaire: `${questionnaire.url}|${questionnaire.version}`,
    subject: { reference: `Patient/${context.patientId}` },
    item: populateItems(questionnaire, questionnaire.item ?? [], context),
  };
}
