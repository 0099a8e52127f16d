import type { Questionnaire, QuestionnaireResponseItem } from '@medplum/fhirtypes';
import type { FieldIssue } from '@varde/core';
import type { Score } from '../domain/response.events';
import { computeScores, withCalculatedAnswers } from '@varde/fhir';
import { checkResponseAnswers } from './response-answers.check';

/** A response's answers checked and completed by the server: issues, items with calculated answers, scale values, scores. */
export type ResponseEvaluation = Readonly<{ issues: FieldIssue[]; items: QuestionnaireResponseItem[]; numeric: Record<string, number>; scores: Score[] }>;

/**
 * Evaluates answers against one questionnaire version: calculated items filled by the server, every answer
 * checked (required items only when `complete`), and — when complete and valid — the questionnaire's scores.
 */
export function evaluateResponse(questionnaire: Questionnaire, items: readonly QuestionnaireResponseItem[], complete: boolean): ResponseEvaluation {
  const calculated = withCalculatedAnswers(questionnaire, { resourceType: 'QuestionnaireResponse', status: complete ? 'completed' : 'in-progress', item: [...items] });
  const check = checkResponseAnswers(questionnaire, calculated.item, complete);
  const scores = complete && check.issues.length === 0 ? computeScores(questionnaire, calculated).map((s) => ({ code: s.code, codings: s.codings, value: s.value })) : [];
  return { issues: check.issues, items: calculated.item ?? [], numeric: check.numeric, scores };
}
