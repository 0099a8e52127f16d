import type { Questionnaire, QuestionnaireItem, QuestionnaireResponseItem, QuestionnaireResponseItemAnswer } from '@medplum/fhirtypes';
import { Injectable } from '@nestjs/common';
import PDFDocument from 'pdfkit';
import { EXT, extensionsOf, optionsOf } from '../application/form-items';
import { ResponsePdfRenderer, type ResponseSummary } from '../application/response-pdf.port';

/** An answer as a person reads it: an option's display, a quantity with its unit, a yes/no. */
function answerText(questionnaire: Questionnaire, item: QuestionnaireItem | undefined, answer: QuestionnaireResponseItemAnswer): string {
  const prefilled = extensionsOf(answer, EXT.prefilled).length === 0 ? '' : extensionsOf(answer, EXT.prefilledConfirmed).length > 0 ? ' (pre-filled, confirmed)' : ' (pre-filled)';
  if (answer.valueCoding) {
    const option = item ? optionsOf(questionnaire, item)?.find((o) => o.valueCoding?.code === answer.valueCoding!.code) : undefined;
    return (answer.valueCoding.display ?? option?.valueCoding?.display ?? answer.valueCoding.code ?? '') + prefilled;
  }
  if (answer.valueQuantity) return `${answer.valueQuantity.value} ${answer.valueQuantity.unit ?? answer.valueQuantity.code ?? ''}`.trim() + prefilled;
  if (answer.valueBoolean !== undefined) return (answer.valueBoolean ? 'Yes' : 'No') + prefilled;
  const value = answer.valueString ?? answer.valueInteger ?? answer.valueDecimal ?? answer.valueDate ?? answer.valueDateTime ?? answer.valueTime;
  return String(value ?? '') + prefilled;
}

/** The response's items in the questionnaire's order, with their depth: [question text, answers, depth]. */
function* lines(questionnaire: Questionnaire, definitions: readonly QuestionnaireItem[], items: readonly QuestionnaireResponseItem[], depth = 0): Generator<[string, string[], number]> {
  for (const definition of definitions) {
    for (const entry of items.filter((i) => i.linkId === definition.linkId)) {
      const text = definition.text ?? entry.text ?? definition.linkId;
      yield [text, (entry.answer ?? []).map((a) => answerText(questionnaire, definition, a)), depth];
      yield* lines(questionnaire, definition.item ?? [], [...(entry.item ?? []), ...(entry.answer ?? []).flatMap((a) => a.item ?? [])], depth + 1);
    }
  }
}

/** {@link ResponsePdfRenderer} with pdfkit. */
@Injectable()
export class PdfKitResponseRenderer extends ResponsePdfRenderer {
  render(summary: ResponseSummary): Promise<Buffer> {
    return responsePdf(summary);
  }
}

/**
 * A one-document PDF summary of a response for the EHR (the way CheckWare sends results into DIPS): the
 * questionnaire and version, patient reference, who answered and when, status and version, the scores, then each
 * question with its answer. Written with pdfkit's standard Helvetica (WinAnsi: Norwegian letters print).
 */
function responsePdf(summary: ResponseSummary): Promise<Buffer> {
  const { content, questionnaire } = summary;
  const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: `${questionnaire.title ?? questionnaire.name ?? 'Questionnaire'} — response ${content.responseId}`, Producer: 'Varde forms' } });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.font('Helvetica-Bold').fontSize(16).text(questionnaire.title ?? questionnaire.name ?? content.questionnaireUrl);
  doc.font('Helvetica').fontSize(9).fillColor('#444');
  doc.text(`Questionnaire: ${content.questionnaireUrl}|${content.questionnaireVersion}`);
  doc.text(`Patient: Patient/${content.patientId}`);
  doc.text(`Answered by: ${content.author?.display ?? 'the patient'}${content.author?.reference ? ` (${content.author.reference})` : ''}`);
  doc.text(`Authored: ${content.authoredAt}   Recorded: ${summary.recordedAt}`);
  doc.text(`Status: ${summary.status}   Version: ${summary.versionId}   Response: QuestionnaireResponse/${content.responseId}`);
  doc.moveDown();
  doc.fillColor('#000');
  if (summary.scores.length > 0) {
    doc.font('Helvetica-Bold').fontSize(12).text('Scores');
    doc.font('Helvetica').fontSize(10);
    for (const score of summary.scores) doc.text(`${score.code.display ?? score.code.code}: ${score.value}`);
    doc.moveDown();
  }
  doc.font('Helvetica-Bold').fontSize(12).text('Answers');
  for (const [question, answers, depth] of lines(questionnaire, questionnaire.item ?? [], summary.items)) {
    doc.font('Helvetica-Bold').fontSize(10).text(question, { indent: depth * 12 });
    doc.font('Helvetica').fontSize(10).text(answers.length > 0 ? answers.join('; ') : '—', { indent: depth * 12 + 12 });
  }
  doc.end();
  return done;
}
