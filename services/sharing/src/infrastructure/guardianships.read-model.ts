import { Inject, Injectable } from '@nestjs/common';
import type { Transaction } from '@varde/event-sourcing';
import { DB_POOL } from '@varde/platform';
import type pg from 'pg';
import { Guardianships } from '../application/guardianships.port';
import type { Guardianship } from '../domain/guardianship.events';

/** {@link Guardianships} in the service's PostgreSQL schema (table `guardianships`). */
@Injectable()
export class PostgresGuardianships extends Guardianships {
  constructor(@Inject(DB_POOL) private readonly pool: pg.Pool) {
    super();
  }

  override async apply(tx: Transaction, g: Guardianship): Promise<void> {
    await tx.query(
      `INSERT INTO guardianships (related_person_id, patient_id, guardian_identifiers, child_birth_date, current) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (related_person_id) DO NOTHING`,
      [g.relatedPersonId, g.patientId, g.guardianIdentifiers, g.childBirthDate, JSON.stringify(g)],
    );
  }

  override async of(subject: string, patientId: string): Promise<Guardianship | undefined> {
    const { rows } = await this.pool.query<{ current: Guardianship }>('SELECT current FROM guardianships WHERE patient_id = $1 AND $2 = ANY(guardian_identifiers) LIMIT 1', [patientId, subject]);
    return rows[0]?.current;
  }
}
