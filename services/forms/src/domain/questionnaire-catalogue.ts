/** One question of a questionnaire, answered with a whole number in a fixed range. */
export type ScaleItem = Readonly<{ linkId: string; text: string; min: number; max: number }>;

/** A coded score a questionnaire produces. */
export type ScoreCode = Readonly<{ system: string; code: string }>;

/** A computed score of one response. */
export type Score = Readonly<{ code: ScoreCode; value: number }>;

/** A published, immutable questionnaire version. */
export type QuestionnaireVersion = Readonly<{
  id: string;
  url: string;
  version: string;
  name: string;
  title: string;
  items: readonly ScaleItem[];
  /** The score the questionnaire yields: the sum of its items. */
  totalScore: ScoreCode;
}>;

/** Code system of Varde's questionnaire scores. */
export const SCORE_SYSTEM = 'https://varde.no/fhir/CodeSystem/score';

const catItem = (linkId: string, low: string, high: string): ScaleItem => ({ linkId, text: `${low} (0) – ${high} (5)`, min: 0, max: 5 });

/**
 * The COPD Assessment Test (CAT, © GSK, free to use in care): eight items scored 0–5, total 0–40. Item
 * wording follows the English CAT; a translated version will be a new questionnaire version.
 */
export const CAT_QUESTIONNAIRE: QuestionnaireVersion = {
  id: 'cat',
  url: 'https://varde.no/fhir/Questionnaire/cat',
  version: '1',
  name: 'COPDAssessmentTest',
  title: 'COPD Assessment Test (CAT)',
  items: [
    catItem('cough', 'I never cough', 'I cough all the time'),
    catItem('phlegm', 'I have no phlegm (mucus) in my chest at all', 'My chest is completely full of phlegm (mucus)'),
    catItem('chest-tightness', 'My chest does not feel tight at all', 'My chest feels very tight'),
    catItem('breathlessness', 'When I walk up a hill or one flight of stairs I am not breathless', 'When I walk up a hill or one flight of stairs I am very breathless'),
    catItem('activities', 'I am not limited doing any activities at home', 'I am very limited doing activities at home'),
    catItem('confidence', 'I am confident leaving my home despite my lung condition', 'I am not at all confident leaving my home because of my lung condition'),
    catItem('sleep', 'I sleep soundly', "I don't sleep soundly because of my lung condition"),
    catItem('energy', 'I have lots of energy', 'I have no energy at all'),
  ],
  totalScore: { system: SCORE_SYSTEM, code: 'CAT' },
};

/** Published questionnaires by id (latest version). */
export const QUESTIONNAIRES: Readonly<Record<string, QuestionnaireVersion>> = { cat: CAT_QUESTIONNAIRE };

/** The canonical reference `url|version` of a questionnaire version. */
export const canonicalOf = (q: Pick<QuestionnaireVersion, 'url' | 'version'>): string => `${q.url}|${q.version}`;

/** The published questionnaire a canonical reference (`url` or `url|version`) points to, if any. */
export function questionnaireByCanonical(reference: string): QuestionnaireVersion | undefined {
  const [url, version] = reference.split('|');
  return Object.values(QUESTIONNAIRES).find((q) => q.url === url && (version === undefined || q.version === version));
}

/** Scores of a complete set of answers (linkId → value): the total of all items. */
export function scoreAnswers(questionnaire: QuestionnaireVersion, answers: Readonly<Record<string, number>>): Score[] {
  const total = questionnaire.items.reduce((sum, item) => sum + (answers[item.linkId] ?? 0), 0);
  return [{ code: questionnaire.totalScore, value: total }];
}
