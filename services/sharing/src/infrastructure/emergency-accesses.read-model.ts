import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '@varde/core';
import type { Transaction } from '@varde/event-sourcing';
import { DB_POOL } from '@varde/platform';
import type pg from 'pg';
import { EmergencyAccesses } from '../application/emergency-accesses.port';
import type { EmergencyAccessGrant } from '../domain/emergency-access.events';

type Row = { grant_id: string; patient_id: string; actor: Actor & { hprNumber?: string }; care_team_id: string | null; reason: string; opened_at: Date; expires_at: Date; overrides_blocks: string[] };
const COLUMNS = 'grant_id, patient_id, actor, care_team_id, reason, opened_at, expires_at, overrides_blocks';
const grantOf = (r: Row): EmergencyAccessGrant => {
  const { hprNumber, ...actor } = r.actor;
  return {
    grantId: r.grant_id,
    patientId: r.patient_id,
    actor,
    ...(hprNumber ? { hprNumber } : {}),
    ...(r.care_team_id ? { careTeamId: r.care_team_id } : {}),
    ...(r.overrides_blocks.length > 0 ? { overridesBlocks: r.overrides_blocks } : {}),
    reason: r.reason,
    openedAt: r.opened_at.toISOString(),
    expiresAt: r.expires_at.toISOString(),
  };
};

/** {@link EmergencyAccesses} in the service's PostgreSQL schema (table `emergency_access`). */
@Injectable()
export class PostgresEmergencyAccesses extends EmergencyAccesses {
  constructor(@Inject(DB_POOL) private readonly pool: pg.Pool) {
    super();
  }

  override async apply(tx: Transaction, grant: EmergencyAccessGrant): Promise<void> {
    await tx.query(
      `INSERT INTO emergency_access (grant_id, patient_id, actor_subject, actor, care_team_id, reason, opened_at, expires_at, overrides_blocks) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (grant_id) DO NOTHING`,
      [grant.grantId, grant.patientId, grant.actor.subject, JSON.stringify({ ...grant.actor, ...(grant.hprNumber ? { hprNumber: grant.hprNumber } : {}) }), grant.careTeamId ?? null, grant.reason, grant.openedAt, grant.expiresAt, grant.overridesBlocks ?? []],
    );
  }

  override async openOfSubject(subject: string, at: string): Promise<readonly EmergencyAccessGrant[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM emergency_access WHERE actor_subject = $1 AND opened_at <= $2 AND expires_at > $2 ORDER BY expires_at DESC`,
      [subject, at],
    );
    return rows.map(grantOf);
  }

  override async covering(reads: readonly Readonly<{ patientId: string; subject: string; at: string }>[]): Promise<readonly EmergencyAccessGrant[]> {
    if (reads.length === 0) return [];
    const { rows } = await this.pool.query<Row>(
      `SELECT DISTINCT ${COLUMNS.split(', ').map((c) => `e.${c}`).join(', ')} FROM emergency_access e JOIN unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS r(patient_id, subject, at)
         ON e.patient_id = r.patient_id AND e.actor_subject = r.subject AND e.opened_at <= r.at AND e.expires_at > r.at`,
      [reads.map((r) => r.patientId), reads.map((r) => r.subject), reads.map((r) => r.at)],
    );
    return rows.map(grantOf);
  }

  override async ofCareTeam(careTeamId: string, limit: number, excluded: readonly string[]): Promise<readonly EmergencyAccessGrant[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM emergency_access WHERE care_team_id = $1 AND NOT (patient_id = ANY($3::uuid[])) ORDER BY opened_at DESC, grant_id LIMIT $2`,
      [careTeamId, limit, excluded],
    );
    return rows.map(grantOf);
  }
}
