import { Inject, Injectable } from '@nestjs/common';
import type { Transaction } from '@varde/event-sourcing';
import { DB_POOL } from '@varde/platform';
import type pg from 'pg';
import { ResponseIndex, type AuthoredBound, type IndexedResponse, type ResponseSearch } from '../application/response-index.port';
import type { ResponseStatus } from '../domain/response.events';

type Row = { response_id: string; patient_id: string; questionnaire_url: string; questionnaire_version: string; status: ResponseStatus; authored_at: Date; version: number };

// An authored bound as conditions on authored_at, against the range [from, to) its value names (a day, or one instant).
const BOUND: Readonly<Record<AuthoredBound['comparator'], readonly (readonly ['>=' | '<', 'from' | 'to'])[]>> = {
  eq: [['>=', 'from'], ['<', 'to']],
  gt: [['>=', 'to']],
  ge: [['>=', 'from']],
  lt: [['<', 'from']],
  le: [['<', 'to']],
};

/** {@link ResponseIndex} in PostgreSQL (migrations/0002-response-index.migration.ts). */
@Injectable()
export class PostgresResponseIndex extends ResponseIndex {
  constructor(@Inject(DB_POOL) private readonly pool: pg.Pool) {
    super();
  }

  override async apply(tx: Transaction, r: IndexedResponse): Promise<void> {
    await tx.query(
      `INSERT INTO questionnaire_responses (response_id, patient_id, questionnaire_url, questionnaire_version, status, authored_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (response_id) DO UPDATE SET status = EXCLUDED.status, authored_at = EXCLUDED.authored_at, version = EXCLUDED.version WHERE questionnaire_responses.version < EXCLUDED.version`,
      [r.responseId, r.patientId, r.questionnaireUrl, r.questionnaireVersion, r.status, r.authoredAt, r.version],
    );
  }

  override async search(search: ResponseSearch): Promise<IndexedResponse[]> {
    const values: unknown[] = [search.patientId];
    const where = ['patient_id = $1'];
    const param = (value: unknown): string => `$${values.push(value)}`;
    if (search.questionnaireUrl !== undefined) where.push(`questionnaire_url = ${param(search.questionnaireUrl)}`);
    if (search.questionnaireVersion !== undefined) where.push(`questionnaire_version = ${param(search.questionnaireVersion)}`);
    if (search.statuses !== undefined) where.push(`status = ANY(${param(search.statuses)}::text[])`);
    for (const bound of search.authored ?? []) for (const [operator, side] of BOUND[bound.comparator]) where.push(`authored_at ${operator} ${param(bound[side])}`);
    const { rows } = await this.pool.query<Row>(`SELECT * FROM questionnaire_responses WHERE ${where.join(' AND ')} ORDER BY authored_at DESC, response_id LIMIT ${param(search.limit)}`, values);
    return rows.map((r) => ({ responseId: r.response_id, patientId: r.patient_id, questionnaireUrl: r.questionnaire_url, questionnaireVersion: r.questionnaire_version, status: r.status, authoredAt: r.authored_at.toISOString(), version: r.version }));
  }
}
