import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '@varde/core';
import { DB_POOL } from '@varde/platform';
import type pg from 'pg';
import { AccessLogRepository, type AccessLogPage, type AccessLogPosition } from '../application/access-log.port';
import type { AccessLogEntry } from '../domain/access-log.events';

const COLUMNS = ['entry_id', 'patient_id', 'accessed_at', 'actor', 'purpose', 'resource', 'correlation_id', 'reason', 'emergency'] as const;

/** {@link AccessLogRepository} in the service's PostgreSQL schema. */
@Injectable()
export class PostgresAccessLogRepository extends AccessLogRepository {
  constructor(@Inject(DB_POOL) private readonly pool: pg.Pool) {
    super();
  }

  override async save(entries: readonly AccessLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const values: unknown[] = [];
    const rows = entries.map((e, row) => {
      values.push(e.entryId, e.patientId, e.accessedAt, JSON.stringify(e.actor), e.purpose, e.resource, e.correlationId || null, e.reason ?? null, e.emergency ? JSON.stringify(e.emergency) : null);
      return `(${COLUMNS.map((_, col) => `$${row * COLUMNS.length + col + 1}`).join(',')})`;
    });
    await this.pool.query(`INSERT INTO access_log (${COLUMNS.join(',')}) VALUES ${rows.join(',')} ON CONFLICT (entry_id) DO NOTHING`, values);
  }

  override async recorded(entryIds: readonly string[]): Promise<ReadonlySet<string>> {
    const { rows } = await this.pool.query<{ entry_id: string }>('SELECT entry_id FROM access_log WHERE entry_id = ANY($1::text[])', [entryIds]);
    return new Set(rows.map((r) => r.entry_id));
  }

  override async list(patientId: string, limit: number, after?: AccessLogPosition, emergencyOnly = false): Promise<AccessLogPage> {
    // Keyset paging in the index's order: a page costs the same however deep into the log it is.
    const { rows } = await this.pool.query<{ entry_id: string; accessed_at: Date; actor: Actor; purpose: string; resource: string; reason: string | null; emergency: { grantId: string; reason: string } | null }>(
      `SELECT entry_id, accessed_at, actor, purpose, resource, reason, emergency FROM access_log WHERE patient_id = $1
         AND ($3::timestamptz IS NULL OR (accessed_at, entry_id) < ($3::timestamptz, $4::text))
         AND (NOT $5::boolean OR emergency IS NOT NULL)
       ORDER BY accessed_at DESC, entry_id DESC LIMIT $2`,
      [patientId, limit + 1, after?.accessedAt ?? null, after?.entryId ?? null, emergencyOnly],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      entries: page.map((r) => ({
        accessedAt: r.accessed_at.toISOString(),
        actor: r.actor,
        purpose: r.purpose,
        resource: r.resource,
        ...(r.reason ? { reason: r.reason } : {}),
        ...(r.emergency ? { emergency: r.emergency } : {}),
      })),
      ...(rows.length > limit && last ? { next: { accessedAt: last.accessed_at.toISOString(), entryId: last.entry_id } } : {}),
    };
  }
}
