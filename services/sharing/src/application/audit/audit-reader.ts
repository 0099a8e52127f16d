import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError, type CommandMetadata } from '@varde/core';
import { accessLogEntriesFor } from '@varde/platform';
import type { TimelineEvent } from '../../domain/audit/timeline-event';
import { patientStateAsOf, type AsOf, type PatientStateAsOf } from '../../domain/audit/patient-state.as-of';
import { RecordAccessHandler } from '../record-access.handler';
import { AuditTrail, type DecisionQuery, type TimelinePage, type TimelineQuery } from './audit-trail.port';

// Events are kept by effective time, which may lie ahead of now (an appointment's task); an export holds them all.
const FAR_FUTURE = '9999-12-31T23:59:59.999Z';

/** Why an auditor opens a patient (required; issue #22 item 6), and the request it came with. */
export type AuditRequest = Readonly<{ reason: string; metadata: CommandMetadata; resource: string }>;

/**
 * What an auditor may ask about one patient: the timeline and the state as of an instant. Every answer is
 * written to the patient's access log — with the auditor's role and stated reason — before it is given, and an
 * unknown patient is refused before anything is logged.
 */
@Injectable()
export class AuditReader {
  constructor(
    @Inject(AuditTrail) private readonly trail: AuditTrail,
    @Inject(RecordAccessHandler) private readonly accessLog: RecordAccessHandler,
  ) {}

  /** A page of the patient's timeline; NotFoundError for a patient no event names. */
  async timeline(patientId: string, query: TimelineQuery, request: AuditRequest): Promise<TimelinePage> {
    await this.open(patientId, request);
    return this.trail.page(patientId, query);
  }

  /** The patient's state at `asOf.at` as recorded by `asOf.knownAt` (empty before their first event). */
  async stateAsOf(patientId: string, asOf: AsOf, request: AuditRequest): Promise<PatientStateAsOf> {
    await this.open(patientId, request);
    return patientStateAsOf(await this.trail.upTo(patientId, asOf.at, asOf.knownAt), asOf);
  }

  /** Every event of the patient recorded so far, oldest first (a whole-patient export). */
  async everything(patientId: string, request: AuditRequest): Promise<readonly TimelineEvent[]> {
    await this.open(patientId, request);
    const now = request.metadata.now;
    return this.trail.upTo(patientId, FAR_FUTURE, now);
  }

  /** The triage decision with this assessment id; NotFoundError when no decision has it. Logged against its patient. */
  async decision(assessmentId: string, request: AuditRequest): Promise<TimelineEvent> {
    const decision = await this.trail.decision(assessmentId);
    if (decision === undefined) throw new NotFoundError(`No triage decision has the assessment id ${assessmentId}`);
    await this.open(decision.patientId, request);
    return decision;
  }

  /** A page of the triage decisions of a period across patients; each patient on the page is logged as read. */
  async decisions(query: DecisionQuery, request: AuditRequest): Promise<TimelinePage> {
    const page = await this.trail.decisions(query);
    await this.logReads([...new Set(page.events.map((e) => e.patientId))], request);
    return page;
  }

  private async open(patientId: string, request: AuditRequest): Promise<void> {
    if (!(await this.trail.knowsPatient(patientId))) throw new NotFoundError(`No event names patient ${patientId}`);
    await this.logReads([patientId], request);
  }

  private async logReads(patientIds: readonly string[], request: AuditRequest): Promise<void> {
    if (patientIds.length === 0) return;
    const { commandId: _commandId, ...context } = request.metadata;
    await this.accessLog.record(accessLogEntriesFor('sharing', patientIds, { purpose: auditPurpose(request.reason), resource: request.resource, reason: request.reason }, request.metadata), context);
  }
}

/** The access log's purpose of an auditor's read: `audit: <reason>`, so the patient sees why they were looked at. */
export const auditPurpose = (reason: string): string => `audit: ${reason}`;
