import { Inject, Injectable } from '@nestjs/common';
import type { Transaction } from '@varde/event-sourcing';
import { timeBoundClauses } from '@varde/database';
import { DB_POOL } from '@varde/platform';
import type pg from 'pg';
import { ResponseIndex, type IndexedResponse, type ResponsePage, type ResponseSearch } from '../application/response-index.port';
import type { ResponseStatus } from '../domain/response.events';

type Row = { response_id: string; patient_id: string; questionnaire_url: string; questionnaire_version: string; status: ResponseStatus; authored_at: Date; version: number };

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

  override async search(search: ResponseSearch): Promise<ResponsePage> {
    const values: unknown[] = [search.patientId];
    const where = ['patient_id = $1'];
    const param = (value: unknown): string => `$${values.push(value)}`;
    if (search.questionnaireUrl !== undefined) where.push(`questionnaire_url = ${param(search.questionnaireUrl)}`);
    if (search.questionnaireVersion !== undefined) where.push(`questionnaire_version = ${param(search.questionnaireVersion)}`);
    if (search.statuses !== undefined) where.push(`status = ANY(${param(search.statuses)}::text[])`);
    where.push(...timeBoundClauses('authored_at', search.authored, values));
    const filtered = where.join(' AND ');
    const pageValues = [...values];
    const keyset = search.after ? ` AND (authored_at, response_id) ${search.descending ? '<' : '>'} ($${pageValues.push(search.after.t)}::timestamptz, $${pageValues.push(search.after.id)})` : '';
    const direction = search.descending ? 'DESC' : 'ASC';
    const [page, total] = await Promise.all([
      this.pool.query<Row>(`SELECT * FROM questionnaire_responses WHERE ${filtered}${keyset} ORDER BY authored_at ${direction}, response_id ${direction} LIMIT ${search.count + 1}`, pageValues),
      this.pool.query<{ total: string }>(`SELECT count(*) AS total FROM questionnaire_responses WHERE ${filtered}`, values),
    ]);
    const responses = page.rows.slice(0, search.count).map((r): IndexedResponse => ({ responseId: r.response_id, patientId: r.patient_id, questionnaireUrl: r.questionnaire_url, questionnaireVersion: r.questionnaire_version, status: r.status, authoredAt: r.authored_at.toISOString(), version: r.version }));
    const last = responses[responses.length - 1];
    return { responses, total: Number(total.rows[0]!.total), ...(page.rows.length > search.count && last ? { next: { t: last.authoredAt, id: last.responseId } } : {}) };
  }
}
