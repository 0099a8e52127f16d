import { Inject, Injectable } from '@nestjs/common';
import type { Transaction } from '@varde/event-sourcing';
import { DB_POOL } from '@varde/platform';
import type pg from 'pg';
import { SelfCarePlans, type ClaimedPlan, type PlanKey, type SelfCarePlanRecord } from '../../application/care-plan/self-care-plan.ports';
import type { EnrolmentCourse, PublishedPathway, SelfCarePlan, SharedSelfCarePlan } from '../../domain/care-plan/self-care-plan';

type ShareRow = {
  enrolment_id: string;
  patient_id: string;
  pathway_id: string;
  pathway_version: number;
  enrolled_at: Date;
  discharged_at: Date | null;
  content: SharedSelfCarePlan | null;
  sent_version: number;
  status: 'none' | 'pending' | 'sent' | 'dead' | 'withheld';
};
/** Only the version named: a newer one queued meanwhile is left alone. */
const AT_VERSION = 'enrolment_id = $1 AND version = $2 AND status = \'pending\'';

/** {@link SelfCarePlans} in tables `self_care_plan_pathways`, `self_care_plan_shares` and `self_care_plan_deliveries`. */
@Injectable()
export class PostgresSelfCarePlans extends SelfCarePlans {
  constructor(@Inject(DB_POOL) private readonly pool: pg.Pool) {
    super();
  }

  override async published(tx: Transaction, pathway: PublishedPathway): Promise<void> {
    await tx.query(
      `INSERT INTO self_care_plan_pathways (pathway_id, pathway_version, title, plan) VALUES ($1, $2, $3, $4)
       ON CONFLICT (pathway_id, pathway_version) DO UPDATE SET title = EXCLUDED.title, plan = EXCLUDED.plan`,
      [pathway.pathwayId, pathway.pathwayVersion, pathway.title, pathway.plan ? JSON.stringify(pathway.plan) : null],
    );
  }

  override async pathway(tx: Transaction, pathwayId: string, pathwayVersion: number): Promise<PublishedPathway | undefined> {
    const { rows } = await tx.query<{ title: string; plan: SelfCarePlan | null }>('SELECT title, plan FROM self_care_plan_pathways WHERE pathway_id = $1 AND pathway_version = $2', [pathwayId, pathwayVersion]);
    const row = rows[0];
    return row ? { pathwayId, pathwayVersion, title: row.title, ...(row.plan ? { plan: row.plan } : {}) } : undefined;
  }

  override async enrolled(tx: Transaction, course: EnrolmentCourse): Promise<void> {
    await tx.query(
      `INSERT INTO self_care_plan_shares (enrolment_id, patient_id, pathway_id, pathway_version, enrolled_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (enrolment_id) DO NOTHING`,
      [course.enrolmentId, course.patientId, course.pathwayId, course.pathwayVersion, course.enrolledAt],
    );
  }

  override async pathwayChanged(tx: Transaction, enrolmentId: string, pathwayId: string, pathwayVersion: number): Promise<void> {
    await tx.query('UPDATE self_care_plan_shares SET pathway_id = $2, pathway_version = $3, updated_at = now() WHERE enrolment_id = $1', [enrolmentId, pathwayId, pathwayVersion]);
  }

  override async discharged(tx: Transaction, enrolmentId: string, at: string): Promise<void> {
    await tx.query('UPDATE self_care_plan_shares SET discharged_at = $2, updated_at = now() WHERE enrolment_id = $1', [enrolmentId, at]);
  }

  override async enrolmentsOfPatient(tx: Transaction, patientId: string): Promise<readonly string[]> {
    return (await tx.query<{ enrolment_id: string }>('SELECT enrolment_id FROM self_care_plan_shares WHERE patient_id = $1 ORDER BY enrolled_at', [patientId])).rows.map((r) => r.enrolment_id);
  }

  override async enrolmentsOn(tx: Transaction, pathwayId: string, pathwayVersion: number): Promise<readonly string[]> {
    return (await tx.query<{ enrolment_id: string }>('SELECT enrolment_id FROM self_care_plan_shares WHERE pathway_id = $1 AND pathway_version = $2', [pathwayId, pathwayVersion])).rows.map((r) => r.enrolment_id);
  }

  override async lock(tx: Transaction, enrolmentId: string): Promise<SelfCarePlanRecord | undefined> {
    const { rows } = await tx.query<ShareRow>('SELECT * FROM self_care_plan_shares WHERE enrolment_id = $1 FOR UPDATE', [enrolmentId]);
    const row = rows[0];
    if (!row) return undefined;
    const course: EnrolmentCourse = {
      enrolmentId: row.enrolment_id,
      patientId: row.patient_id,
      pathwayId: row.pathway_id,
      pathwayVersion: row.pathway_version,
      enrolledAt: row.enrolled_at.toISOString(),
      ...(row.discharged_at ? { dischargedAt: row.discharged_at.toISOString() } : {}),
    };
    return { course, ...(row.content ? { last: { content: row.content, live: row.status === 'pending' || row.status === 'sent', delivered: row.sent_version > 0 } } : {}) };
  }

  override async queue(tx: Transaction, enrolmentId: string, content: SharedSelfCarePlan): Promise<void> {
    await tx.query(
      `UPDATE self_care_plan_shares SET content = $2, version = version + 1, status = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL, updated_at = now() WHERE enrolment_id = $1`,
      [enrolmentId, JSON.stringify(content)],
    );
  }

  override async withhold(tx: Transaction, enrolmentId: string, reason: string): Promise<void> {
    await tx.query(`UPDATE self_care_plan_shares SET status = 'withheld', last_error = $2, updated_at = now() WHERE enrolment_id = $1 AND status = 'pending'`, [enrolmentId, reason]);
  }

  override async claimDue(now: Date, limit: number, leaseMs: number): Promise<readonly ClaimedPlan[]> {
    const { rows } = await this.pool.query<{ enrolment_id: string; patient_id: string; version: number; content: SharedSelfCarePlan; attempts: number }>(
      `UPDATE self_care_plan_shares SET next_attempt_at = $1::timestamptz + make_interval(secs => $3::double precision / 1000)
       WHERE enrolment_id IN (
         SELECT enrolment_id FROM self_care_plan_shares WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING enrolment_id, patient_id, version, content, attempts`,
      [now.toISOString(), limit, leaseMs],
    );
    return rows.map((r) => ({ enrolmentId: r.enrolment_id, patientId: r.patient_id, version: r.version, content: r.content, attempts: r.attempts }));
  }

  override async markSent(plan: ClaimedPlan): Promise<void> {
    await this.pool.query(
      `WITH sent AS (UPDATE self_care_plan_shares SET status = 'sent', sent_version = version, last_error = NULL, updated_at = now() WHERE ${AT_VERSION} RETURNING enrolment_id, version)
       INSERT INTO self_care_plan_deliveries (enrolment_id, version, pathway_id, status) SELECT enrolment_id, version, $3, $4 FROM sent ON CONFLICT DO NOTHING`,
      [plan.enrolmentId, plan.version, plan.content.pathwayId, plan.content.status],
    );
  }

  override async retryAt(plan: PlanKey, at: Date, reason: string): Promise<void> {
    await this.pool.query(`UPDATE self_care_plan_shares SET attempts = attempts + 1, next_attempt_at = $3, last_error = $4, updated_at = now() WHERE ${AT_VERSION}`, [plan.enrolmentId, plan.version, at.toISOString(), reason]);
  }

  override async deadLetter(plan: PlanKey, reason: string): Promise<void> {
    await this.pool.query(`UPDATE self_care_plan_shares SET status = 'dead', attempts = attempts + 1, last_error = $3, updated_at = now() WHERE ${AT_VERSION}`, [plan.enrolmentId, plan.version, reason]);
  }

  override async withheldAtSend(plan: PlanKey, reason: string): Promise<void> {
    await this.pool.query(`UPDATE self_care_plan_shares SET status = 'withheld', last_error = $3, updated_at = now() WHERE ${AT_VERSION}`, [plan.enrolmentId, plan.version, reason]);
  }
}
