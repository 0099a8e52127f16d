import { Injectable } from '@nestjs/common';
import PDFDocument from 'pdfkit';
import { SelfCarePlanPdf, type PdfHeading } from '../../application/care-plan/self-care-plan.ports';
import { PLAN_TEXTS } from '../../domain/care-plan/self-care-plan.fhir';
import { PLAN_COLOURS, type SharedSelfCarePlan } from '../../domain/care-plan/self-care-plan';

const STATUS = { active: { nb: 'gjelder', en: 'in force' }, completed: { nb: 'avsluttet', en: 'completed' }, revoked: { nb: 'trukket tilbake', en: 'revoked' } } as const;
const COLOUR_FILL = { green: '#2e7d32', yellow: '#f9a825', red: '#c62828' } as const;
const day = (iso: string) => iso.slice(0, 10);

/**
 * {@link SelfCarePlanPdf} with pdfkit (as forms' response PDFs): the plan on one A4 page for home care and the GP —
 * the pathway, the patient, the hospital, the period and status, then what to do at each colour in Norwegian with
 * the English beside it. Standard Helvetica (WinAnsi) prints Norwegian letters.
 */
@Injectable()
export class PdfKitSelfCarePlanPdf extends SelfCarePlanPdf {
  override render(plan: SharedSelfCarePlan, heading: PdfHeading): Promise<Buffer> {
    const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: `${PLAN_TEXTS.title.nb}: ${plan.title}`, Producer: 'Varde sharing', CreationDate: new Date(heading.createdAt) } });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    const done = new Promise<Buffer>((resolve, reject) => {
      doc.on('end', () => resolve(Buffer.concat(chunks)));
      doc.on('error', reject);
    });
    doc.font('Helvetica-Bold').fontSize(18).text(`${PLAN_TEXTS.title.nb} / ${PLAN_TEXTS.title.en}`);
    doc.fontSize(13).text(plan.title);
    doc.moveDown(0.5).font('Helvetica').fontSize(9).fillColor('#444');
    doc.text(`Pasient / Patient: ${heading.patient.value}`);
    doc.text(`Sykehus (org.nr.) / Hospital (organisation number): ${heading.hospitalOrganisationNumber}`);
    doc.text(`Forløp / Pathway: ${plan.pathwayId}, versjon / version ${plan.pathwayVersion}`);
    doc.text(`Periode / Period: ${day(plan.periodStart)} – ${plan.periodEnd ? day(plan.periodEnd) : ''}`);
    doc.text(`Status: ${STATUS[plan.status].nb} / ${STATUS[plan.status].en}`);
    doc.text(`Laget / Made: ${heading.createdAt}`);
    doc.moveDown().fillColor('#000').fontSize(10).text(PLAN_TEXTS.description.nb);
    doc.fillColor('#444').text(PLAN_TEXTS.description.en);
    if (!plan.plan) doc.moveDown().fillColor('#000').text(`${PLAN_TEXTS.revoked.nb} ${PLAN_TEXTS.revoked.en}`);
    for (const colour of plan.plan ? PLAN_COLOURS : []) {
      doc.moveDown().fillColor(COLOUR_FILL[colour]).font('Helvetica-Bold').fontSize(12).text(`${PLAN_TEXTS.colour[colour].nb} / ${PLAN_TEXTS.colour[colour].en}`);
      doc.fillColor('#000').font('Helvetica').fontSize(11).text(plan.plan![colour].nb);
      doc.fillColor('#444').fontSize(10).text(plan.plan![colour].en);
    }
    doc.end();
    return done;
  }
}
