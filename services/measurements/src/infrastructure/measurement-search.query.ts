import { Inject, Injectable } from '@nestjs/common';
import { timeBoundClauses } from '@varde/database';
import { DB_POOL } from '@varde/platform';
import type pg from 'pg';
import { MeasurementSearchQuery, type CodeFilter, type IdentifierFilter, type MeasurementPage, type MeasurementSearch } from '../application/measurement-search.port';
import type { MeasurementView } from '../application/measurement.view';
import { MEASUREMENT_COLUMNS, viewOfRow, type MeasurementRow } from './measurements.read-model';

export type { CodeFilter, DateBound, IdentifierFilter, MeasurementPage, MeasurementSearch, SearchCursor, SearchOrder } from '../application/measurement-search.port';

/** {@link MeasurementSearchQuery} in PostgreSQL, all by patient on its indexes; paging is keyset, so every page costs the same. */
@Injectable()
export class PostgresMeasurementSearchQuery implements MeasurementSearchQuery {
  constructor(@Inject(DB_POOL) private readonly pool: pg.Pool) {}

  /** A page of a patient's measurements ordered by effective time or last change (then id), with the total. */
  async search(search: MeasurementSearch): Promise<MeasurementPage> {
    const params: unknown[] = [search.patientId];
    const where = [
      'patient_id = $1',
      ...anyOf(search.codes.map((c) => codeClause(c, params))),
      ...anyOf(search.categories.map((c) => `details->'resource'->'category' @> $${params.push(JSON.stringify([{ coding: [c.system ? { system: c.system, code: c.code } : { code: c.code }] }]))}::jsonb`)),
      ...anyOf(search.identifiers.map((i) => identifierClause(i, params))),
      ...timeBoundClauses('effective_time', search.dates, params),
      ...timeBoundClauses('last_updated', search.lastUpdated, params),
    ];
    const filtered = where.join(' AND ');
    const column = search.orderBy === 'date' ? 'effective_time' : 'last_updated';
    const pageParams = [...params];
    let keyset = '';
    if (search.after) {
      pageParams.push(search.after.t, search.after.id);
      keyset = ` AND (${column}, measurement_id) ${search.descending ? '<' : '>'} ($${pageParams.length - 1}::timestamptz, $${pageParams.length})`;
    }
    const direction = search.descending ? 'DESC' : 'ASC';
    const [page, total] = await Promise.all([
      this.pool.query<MeasurementRow>(
        `SELECT ${MEASUREMENT_COLUMNS} FROM measurements WHERE ${filtered}${keyset} ORDER BY ${column} ${direction}, measurement_id ${direction} LIMIT ${search.count + 1}`,
        pageParams,
      ),
      this.pool.query<{ total: string }>(`SELECT count(*) AS total FROM measurements WHERE ${filtered}`, params),
    ]);
    const views = page.rows.slice(0, search.count).map(viewOfRow);
    const last = views[views.length - 1];
    const t = last && (search.orderBy === 'date' ? last.effectiveTime : last.lastUpdated);
    return { views, total: Number(total.rows[0]!.total), ...(page.rows.length > search.count && last && t ? { next: { t, id: last.measurementId } } : {}) };
  }

  /** The latest `max` measurements per code (FHIR `$lastn`), leaving out those entered in error. */
  async lastPerCode(patientId: string, codes: readonly CodeFilter[], max: number): Promise<readonly MeasurementView[]> {
    const params: unknown[] = [patientId];
    const where = ['patient_id = $1', "status <> 'entered-in-error'", ...anyOf(codes.map((c) => codeClause(c, params)))].join(' AND ');
    const { rows } = await this.pool.query<MeasurementRow>(
      `SELECT ${MEASUREMENT_COLUMNS} FROM (
         SELECT ${MEASUREMENT_COLUMNS}, row_number() OVER (PARTITION BY code_system, code ORDER BY effective_time DESC, measurement_id DESC) AS nth
           FROM measurements WHERE ${where}) latest
        WHERE nth <= ${max}
        ORDER BY code_system, code, nth`,
      params,
    );
    return rows.map(viewOfRow);
  }

  /** A patient's values of one code in time order, at most `limit`, leaving out those entered in error. */
  async series(patientId: string, code: CodeFilter, from: string | undefined, to: string | undefined, limit: number): Promise<readonly MeasurementView[]> {
    const params: unknown[] = [patientId];
    const where = ['patient_id = $1', "status <> 'entered-in-error'", codeClause(code, params)];
    if (from) where.push(`effective_time >= $${params.push(from)}::timestamptz`);
    if (to) where.push(`effective_time <= $${params.push(to)}::timestamptz`);
    const { rows } = await this.pool.query<MeasurementRow>(
      `SELECT ${MEASUREMENT_COLUMNS} FROM measurements WHERE ${where.join(' AND ')} ORDER BY effective_time, measurement_id LIMIT ${limit}`,
      params,
    );
    return rows.map(viewOfRow);
  }
}

/** The clauses, joined by OR: none when there are none (the filter is not asked for). */
const anyOf = (clauses: readonly string[]): string[] => (clauses.length === 0 ? [] : [`(${clauses.join(' OR ')})`]);

function codeClause(code: CodeFilter, params: unknown[]): string {
  const clause = `code = $${params.push(code.code)}`;
  return code.system ? `(${clause} AND code_system = $${params.push(code.system)})` : clause;
}

/** Any of the Observation's identifiers as sent, or the one recorded (measurements from before the resource was kept). */
function identifierClause(identifier: IdentifierFilter, params: unknown[]): string {
  const wanted = identifier.system ? { system: identifier.system, value: identifier.value } : { value: identifier.value };
  const one = params.push(JSON.stringify(wanted));
  const list = params.push(JSON.stringify([wanted]));
  return `(identifier @> $${one}::jsonb OR details->'resource'->'identifier' @> $${list}::jsonb)`;
}
