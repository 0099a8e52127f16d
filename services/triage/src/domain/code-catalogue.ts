import { DIASTOLIC, LOINC, MEASUREMENT_TYPES, SYSTOLIC, type Plausibility } from '@varde/core';
import type { Code } from './rule-set';
import { CAT_ITEMS, CAT_QUESTIONNAIRE_URL, CAT_SCORE_CODE } from './scores/cat';

/** Code system of Varde's questionnaire scores. */
export const SCORE_SYSTEM = CAT_SCORE_CODE.system;
/** Code system of single questionnaire answers: code `<questionnaire id>/<item linkId>`, e.g. `cat/breathlessness`. */
export const ANSWER_SYSTEM = 'https://varde.no/fhir/CodeSystem/answer';

/**
 * Code system of questionnaires answered (code: the questionnaire's id, e.g. `phq-9`): a missing-report rule on one
 * holds when it is not answered in time, or when a task of the pathway to answer it is missed.
 */
export const QUESTIONNAIRE_SYSTEM = 'https://varde.no/fhir/CodeSystem/questionnaire';

/** A questionnaire's id: the last segment of its canonical URL, without `|version` (`…/Questionnaire/phq-9|1` → `phq-9`). */
const questionnaireId = (canonical: string): string => canonical.split('|')[0]!.split('/').pop()!;

/** The code of the answer to one item of a questionnaire (by its canonical URL, whose last segment is its id). */
export const answerCode = (questionnaireUrl: string, linkId: string): Code => ({ system: ANSWER_SYSTEM, code: `${questionnaireId(questionnaireUrl)}/${linkId}` });

/** The code of a questionnaire answered, by its canonical URL (with or without `|version`) or its id. */
export const questionnaireCode = (canonical: string): Code => ({ system: QUESTIONNAIRE_SYSTEM, code: questionnaireId(canonical) });

/** A response to a questionnaire counts as one report of its {@link questionnaireCode}, of this unit. */
export const RESPONSE_UNIT = '{response}';

/** Questionnaire scores are dimensionless; rules on them use the UCUM annotation `{score}`. */
export const SCORE_UNIT = '{score}';

/** A code rules may use, with its display name, canonical unit and the values it can take. */
export type KnownCode = Readonly<{ code: Code; display: string; unit: string; possible: Plausibility['possible'] }>;

/**
 * The codes rules may use: every vital sign measurements knows (blood pressure by its components, the panel
 * itself carries no value) and the questionnaire scores forms publishes.
 */
export const KNOWN_CODES: readonly KnownCode[] = [
  ...MEASUREMENT_TYPES.filter((t) => !t.components).flatMap((t) => t.codes.map((code) => ({ code: { system: t.system, code }, display: t.display, unit: t.canonicalUnit, possible: t.plausibility.possible }))),
  ...[SYSTOLIC, DIASTOLIC].map((c) => ({ code: { system: LOINC, code: c.code }, display: c.display, unit: c.canonicalUnit, possible: c.plausibility.possible })),
  { code: CAT_SCORE_CODE, display: 'CAT score', unit: SCORE_UNIT, possible: { min: 0, max: 40 } },
  ...CAT_ITEMS.map((item) => ({ code: answerCode(CAT_QUESTIONNAIRE_URL, item), display: `CAT ${item}`, unit: SCORE_UNIT, possible: { min: 0, max: 5 } })),
];

const SYSTEM_PREFIXES: Readonly<Record<string, string>> = { loinc: LOINC, score: SCORE_SYSTEM, answer: ANSWER_SYSTEM, questionnaire: QUESTIONNAIRE_SYSTEM };

/**
 * A rule set's code written as `loinc:2708-6`, `score:CAT`, `answer:cat/breathlessness`, `questionnaire:phq-9` (or
 * `questionnaire:<canonical url>`, with or without `|version`) or `<system uri>|<code>`.
 */
export function parseCode(text: string): Code | undefined {
  if (text.startsWith('questionnaire:') && text.length > 'questionnaire:'.length) return questionnaireCode(text.slice('questionnaire:'.length));
  const bar = text.lastIndexOf('|');
  if (bar > 0) return { system: text.slice(0, bar), code: text.slice(bar + 1) };
  const colon = text.indexOf(':');
  const system = colon > 0 ? SYSTEM_PREFIXES[text.slice(0, colon)] : undefined;
  return system && colon < text.length - 1 ? { system, code: text.slice(colon + 1) } : undefined;
}

/**
 * The one code triage holds a measurement type under: SpO2 arrives as 2708-6 or 59408-5 and is one series,
 * compared by the same rules. Other codes are their own.
 */
export function canonicalCode(code: Code): Code {
  const type = code.system === LOINC ? MEASUREMENT_TYPES.find((t) => t.codes.includes(code.code)) : undefined;
  return type && type.codes[0] !== code.code ? { system: LOINC, code: type.codes[0]! } : code;
}

/** The short prefix a rule set writes a code system with (`loinc`), or the system itself. */
export const prefixOf = (system: string): string => Object.entries(SYSTEM_PREFIXES).find(([, uri]) => uri === system)?.[0] ?? system;

/**
 * A listed code, or any questionnaire score or answer: forms publishes every score a questionnaire defines
 * (PHQ-9, GAD-7, a clinic's own) under its code, so a rule may name one triage has no range for; or any
 * questionnaire, answered or not (for missing-report rules). Undefined for codes rules cannot use.
 */
export const knownCode = (code: Code): KnownCode | undefined =>
  KNOWN_CODES.find((k) => k.code.system === code.system && k.code.code === code.code) ??
  (code.system === QUESTIONNAIRE_SYSTEM && code.code !== '' ? { code, display: `${code.code} questionnaire`, unit: RESPONSE_UNIT, possible: {} } : undefined) ??
  ((code.system === SCORE_SYSTEM || code.system === ANSWER_SYSTEM) && !ofListedQuestionnaire(code)
    ? { code, display: `${code.code} ${code.system === SCORE_SYSTEM ? 'score' : 'answer'}`, unit: SCORE_UNIT, possible: {} }
    : undefined);

// An answer code of a questionnaire whose items are listed (CAT): an item not listed there does not exist.
const ofListedQuestionnaire = (code: Code): boolean =>
  code.system === ANSWER_SYSTEM && KNOWN_CODES.some((k) => k.code.system === ANSWER_SYSTEM && k.code.code.split('/')[0] === code.code.split('/')[0]);

/** The display name of a known code ("Oxygen saturation"), or the code itself. */
export const displayOf = (code: Code): string => knownCode(code)?.display ?? code.code;
