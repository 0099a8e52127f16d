import type { Questionnaire, QuestionnaireResponseItem } from '@medplum/fhirtypes';
import type { ResponseContent, Score } from '../domain/response.events';

/** What a PDF summary shows: one response version, its questionnaire, when it was recorded. */
export type ResponseSummary = Readonly<{ content: ResponseContent; status: string; versionId: number; recordedAt: string; scores: readonly Score[]; questionnaire: Questionnaire; items: readonly QuestionnaireResponseItem[] }>;

/** Renders a response as a PDF summary for the EHR. */
export abstract class ResponsePdfRenderer {
  /** The PDF bytes. */
  abstract render(summary: ResponseSummary): Promise<Buffer>;
}
