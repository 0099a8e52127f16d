import { Inject, Injectable } from '@nestjs/common';
import { INFRASTRUCTURE, type Infrastructure } from '@varde/platform';
import { AuditTrail, type DecisionQuery, type TimelinePage, type TimelinePosition, type TimelineQuery } from '../../application/audit/audit-trail.port';
import type { TimelineEvent } from '../../domain/audit/timeline-event';

type Row = {
  event_id: string;
  patient_id: string;
  type: string;
  source: string;
  effective_time: Date;
  recorded_time: Date;
  correlation_id: string;
  causation_id: string;
  actor: TimelineEvent['actor'];
  summary: string;
  data: TimelineEvent['data'];
};

const COLUMNS = 'event_id, patient_id, type, source, effective_time, recorded_time, correlation_id, causation_id, actor, summary, data';
const ORDER = 'ORDER BY effective_time, recorded_time, event_id';

const toEvent = (row: Row): TimelineEvent => ({
  eventId: row.event_id,
  patientId: row.patient_id,
  type: row.type,
  source: row.source,
  effectiveTime: row.effective_time.toISOString(),
  recordedTime: row.recorded_time.toISOString(),
  correlationId: row.correlation_id,
  causationId: row.causation_id,
  actor: row.actor,
  summary: row.summary,
  data: row.data,
});

/** {@link AuditTrail} over the `audit_timeline` table the {@link AuditTimelineProjection} keeps. */
@Injectable()
export class PostgresAuditTrail extends AuditTrail {
  constructor(@Inject(INFRASTRUCTURE) private readonly infra: Infrastructure) {
    super();
  }

  override async knowsPatient(patientId: string): Promise<boolean> {
    const { rows } = await this.infra.pool.query('SELECT 1 FROM audit_timeline WHERE patient_id = $1 LIMIT 1', [patientId]);
    return rows.length > 0;
  }

  override async page(patientId: string, query: TimelineQuery): Promise<TimelinePage> {
    const where = ['patient_id = $1'];
    const values: unknown[] = [patientId];
    const time = query.on === 'recorded' ? 'recorded_time' : 'effective_time';
    if (query.from) where.push(`${time} >= $${values.push(query.from)}`);
    if (query.to) where.push(`${time} < $${values.push(query.to)}`);
    if (query.types) where.push(`type = ANY($${values.push(query.types)}::text[])`);
    return this.pageOf(where, values, query);
  }

  override async upTo(patientId: string, effectiveBy: string, recordedBy: string): Promise<readonly TimelineEvent[]> {
    const { rows } = await this.infra.pool.query<Row>(
      `SELECT ${COLUMNS} FROM audit_timeline WHERE patient_id = $1 AND effective_time <= $2 AND recorded_time <= $3 ${ORDER}`,
      [patientId, effectiveBy, recordedBy],
    );
    return rows.map(toEvent);
  }

  override async decision(assessmentId: string): Promise<TimelineEvent | undefined> {
    const { rows } = await this.infra.pool.query<Row>(
      `SELECT ${COLUMNS} FROM audit_timeline WHERE type = 'varde.triage.v1.PatientTriaged' AND data->>'assessmentId' = $1 ${ORDER} LIMIT 1`,
      [assessmentId],
    );
    return rows[0] && toEvent(rows[0]);
  }

  override async decisions(query: DecisionQuery): Promise<TimelinePage> {
    const where = [`type = 'varde.triage.v1.PatientTriaged'`, 'recorded_time >= $1', 'recorded_time < $2'];
    const values: unknown[] = [query.from, query.to];
    if (query.pathwayId) {
      // Patients ever enrolled on (or moved to) the pathway: the decisions of their time on it and around it.
      where.push(`patient_id IN (SELECT patient_id FROM audit_timeline WHERE type IN ('varde.pathways.v1.PatientEnrolled', 'varde.pathways.v1.PathwayChanged') AND data->>'pathwayId' = $${values.push(query.pathwayId)})`);
    }
    return this.pageOf(where, values, query);
  }

  private async pageOf(where: string[], values: unknown[], query: Readonly<{ limit: number; after?: TimelinePosition }>): Promise<TimelinePage> {
    if (query.after) {
      const a = query.after;
      where.push(`(effective_time, recorded_time, event_id) > ($${values.push(a.effectiveTime)}::timestamptz, $${values.push(a.recordedTime)}::timestamptz, $${values.push(a.eventId)})`);
    }
    const { rows } = await this.infra.pool.query<Row>(`SELECT ${COLUMNS} FROM audit_timeline WHERE ${where.join(' AND ')} ${ORDER} LIMIT $${values.push(query.limit + 1)}`, values);
    const events = rows.slice(0, query.limit).map(toEvent);
    const last = events.at(-1);
    return rows.length > query.limit && last ? { events, next: { effectiveTime: last.effectiveTime, recordedTime: last.recordedTime, eventId: last.eventId } } : { events };
  }
}
