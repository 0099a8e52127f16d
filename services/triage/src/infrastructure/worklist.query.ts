import { Inject, Injectable } from '@nestjs/common';
import { DB_POOL } from '@varde/platform';
import type pg from 'pg';
import type { Colour } from '../domain/triage-rules';

/** One patient on the worklist. */
export type WorklistEntry = Readonly<{ patientId: string; colour: Colour; reasons: readonly string[]; since: string; pathwayId: string | null }>;

/** A patient's current triage with the provenance of the assessment behind it (null before any report). */
export type PatientTriageView = WorklistEntry & Readonly<{ assessment: unknown }>;

type Row = { patient_id: string; colour: Colour; reasons: string[]; since: Date; pathway_id: string | null; assessment: unknown };

const toEntry = (row: Row): WorklistEntry => ({ patientId: row.patient_id, colour: row.colour, reasons: row.reasons, since: row.since.toISOString(), pathwayId: row.pathway_id });

/** Reads the worklist read model. */
@Injectable()
export class WorklistQuery {
  constructor(@Inject(DB_POOL) private readonly pool: pg.Pool) {}

  /** Red first, then yellow, then green; within a colour, whoever has waited longest first. */
  async list(filter: { colour?: Colour; limit: number }): Promise<readonly WorklistEntry[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT patient_id, colour, reasons, since, pathway_id FROM worklist
        WHERE ($1::text IS NULL OR colour = $1)
        ORDER BY colour_rank DESC, since, patient_id
        LIMIT $2`,
      [filter.colour ?? null, filter.limit],
    );
    return rows.map(toEntry);
  }

  /** One patient's current triage, or undefined when triage has never heard of them. */
  async get(patientId: string): Promise<PatientTriageView | undefined> {
    const { rows } = await this.pool.query<Row>('SELECT patient_id, colour, reasons, since, pathway_id, assessment FROM worklist WHERE patient_id = $1', [patientId]);
    const row = rows[0];
    return row && { ...toEntry(row), assessment: row.assessment };
  }
}
