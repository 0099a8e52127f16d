import { Inject, Injectable } from '@nestjs/common';
import { DB_POOL } from '@varde/platform';
import type pg from 'pg';
import { MeasurementSearchQuery, type CodeFilter, type MeasurementPage, type MeasurementSearch } from '../application/measurement-search.port';
import type { MeasurementView } from '../application/measurement.view';
import { MEASUREMENT_COLUMNS, viewOfRow, type MeasurementRow } from './measurements.read-model';

export type { CodeFilter, DateBound, MeasurementPage, MeasurementSearch, SearchCursor } from '../application/measurement-search.port';

const OPERATORS = { gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

/** {@link MeasurementSearchQuery} in PostgreSQL, all by patient on its indexes; paging is keyset, so every page costs the same. */
@Injectable()
export class PostgresMeasurementSearchQuery implements MeasurementSearchQuery {
  constructor(@Inject(DB_POOL) private readonly pool: pg.Pool) {}

  /** A page of a patient's measurements ordered by effective time (then id), with the total. */
  async search(search: MeasurementSearch): Promise<MeasurementPage> {
    const params: unknown[] = [search.patientId];
    const where = ['patient_id = $1', ...this.codeClause(search.code, params)];
    for (const bound of search.dates) {
      params.push(bound.at);
      if (bound.op === 'outside') where.push(`NOT (effective_time >= $${params.length}::timestamptz AND effective_time < $${params.push(bound.until)}::timestamptz)`);
      else where.push(`effective_time ${OPERATORS[bound.op]} $${params.length}::timestamptz`);
    }
    const filtered = where.join(' AND ');
    const pageParams = [...params];
    let keyset = '';
    if (search.after) {
      pageParams.push(search.after.t, search.after.id);
      keyset = ` AND (effective_time, measurement_id) ${search.descending ? '<' : '>'} ($${pageParams.length - 1}::timestamptz, $${pageParams.length})`;
    }
    const direction = search.descending ? 'DESC' : 'ASC';
    const [page, total] = await Promise.all([
      this.pool.query<MeasurementRow>(
        `SELECT ${MEASUREMENT_COLUMNS} FROM measurements WHERE ${filtered}${keyset} ORDER BY effective_time ${direction}, measurement_id ${direction} LIMIT ${search.count + 1}`,
        pageParams,
      ),
      this.pool.query<{ total: string }>(`SELECT count(*) AS total FROM measurements WHERE ${filtered}`, params),
    ]);
    const views = page.rows.slice(0, search.count).map(viewOfRow);
    const last = views[views.length - 1];
    return { views, total: Number(total.rows[0]!.total), ...(page.rows.length > search.count && last ? { next: { t: last.effectiveTime, id: last.measurementId } } : {}) };
  }

  /** The latest measurement per code (FHIR `$lastn` with max=1), leaving out those entered in error. */
  async lastPerCode(patientId: string, code?: CodeFilter): Promise<readonly MeasurementView[]> {
    const params: unknown[] = [patientId];
    const where = ['patient_id = $1', "status <> 'entered-in-error'", ...this.codeClause(code, params)].join(' AND ');
    const { rows } = await this.pool.query<MeasurementRow>(
      `SELECT ${MEASUREMENT_COLUMNS} FROM (
         SELECT DISTINCT ON (code_system, code) ${MEASUREMENT_COLUMNS} FROM measurements WHERE ${where}
          ORDER BY code_system, code, effective_time DESC, measurement_id DESC) latest
        ORDER BY code_system, code`,
      params,
    );
    return rows.map(viewOfRow);
  }

  /** A patient's values of one code in time order, at most `limit`, leaving out those entered in error. */
  async series(patientId: string, code: CodeFilter, from: string | undefined, to: string | undefined, limit: number): Promise<readonly MeasurementView[]> {
    const params: unknown[] = [patientId];
    const where = ['patient_id = $1', "status <> 'entered-in-error'", ...this.codeClause(code, params)];
    if (from) where.push(`effective_time >= $${params.push(from)}::timestamptz`);
    if (to) where.push(`effective_time <= $${params.push(to)}::timestamptz`);
    const { rows } = await this.pool.query<MeasurementRow>(
      `SELECT ${MEASUREMENT_COLUMNS} FROM measurements WHERE ${where.join(' AND ')} ORDER BY effective_time, measurement_id LIMIT ${limit}`,
      params,
    );
    return rows.map(viewOfRow);
  }

  private codeClause(code: CodeFilter | undefined, params: unknown[]): string[] {
    if (!code) return [];
    const clauses = [`code = $${params.push(code.code)}`];
    if (code.system) clauses.push(`code_system = $${params.push(code.system)}`);
    return clauses;
  }
}
