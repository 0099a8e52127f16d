import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DB_POOL } from '@varde/platform';
import type pg from 'pg';
import type { Transaction } from '@varde/event-sourcing';
import { PatientIdentityRepository, type NamedPatient, type PersonName } from '../application/patient-identities.port';

/**
 * PostgreSQL mapping keyed by an HMAC of the national id. The number itself, and the patient's name, are stored only
 * sealed (AES-256-GCM under a key derived from the same secret), so the tables and their backups cannot be read back
 * into identities without the key. Kept out of the event log on purpose: events are immutable, identities must be
 * erasable.
 */
@Injectable()
export class PostgresPatientIdentityRepository extends PatientIdentityRepository {
  private readonly sealKey: Buffer;

  constructor(
    @Inject(DB_POOL) private readonly pool: pg.Pool,
    @Inject('IDENTITY_HMAC_KEY') private readonly key: string,
  ) {
    super();
    this.sealKey = Buffer.from(hkdfSync('sha256', key, 'varde-pathways', 'national-id-seal', 32));
  }

  override async patientIdFor(nationalId: string): Promise<string> {
    const hmac = this.hmacOf(nationalId);
    const sealed = this.seal(nationalId);
    // Insert-or-read in one statement so two simultaneous enrolments of one person get one id; a row from before
    // ids were sealed gets its sealed id now.
    const { rows } = await this.pool.query<{ patient_id: string }>(
      `WITH inserted AS (
         INSERT INTO patient_identities (national_id_hmac, patient_id, national_id_sealed) VALUES ($1, $2, $3)
         ON CONFLICT (national_id_hmac) DO UPDATE SET national_id_sealed = EXCLUDED.national_id_sealed
           WHERE patient_identities.national_id_sealed IS NULL
         RETURNING patient_id)
       SELECT patient_id FROM inserted UNION ALL SELECT patient_id FROM patient_identities WHERE national_id_hmac = $1`,
      [hmac, randomUUID(), sealed],
    );
    const id = rows[0]?.patient_id;
    if (id) return id;
    // The concurrent insert committed after our snapshot: read it now.
    const again = await this.pool.query<{ patient_id: string }>('SELECT patient_id FROM patient_identities WHERE national_id_hmac = $1', [hmac]);
    return again.rows[0]!.patient_id;
  }

  override async patientIdOf(nationalId: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ patient_id: string }>('SELECT patient_id FROM patient_identities WHERE national_id_hmac = $1', [this.hmacOf(nationalId)]);
    return rows[0]?.patient_id;
  }

  override async nationalIdOf(patientId: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ national_id_sealed: string | null }>('SELECT national_id_sealed FROM patient_identities WHERE patient_id = $1', [patientId]);
    const sealed = rows[0]?.national_id_sealed;
    return sealed ? this.unseal(sealed) : undefined;
  }

  override async rememberName(tx: Transaction, patientId: string, name: PersonName | undefined, careTeamId: string): Promise<void> {
    if (name === undefined) await moveNames(tx, [{ patientId, careTeamId }]);
    else await this.keepName(tx, patientId, name, careTeamId);
  }

  override async correctName(patientId: string, name: PersonName, careTeamId: string): Promise<void> {
    await this.keepName(this.pool, patientId, name, careTeamId);
  }

  override async eraseName(patientId: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM patient_names WHERE patient_id = $1', [patientId])).rowCount ?? 0) > 0;
  }

  private async keepName(db: pg.Pool | Transaction, patientId: string, name: PersonName, careTeamId: string): Promise<void> {
    await db.query(
      `INSERT INTO patient_names (patient_id, name_sealed, care_team_id) VALUES ($1, $2, $3)
       ON CONFLICT (patient_id) DO UPDATE SET name_sealed = EXCLUDED.name_sealed, care_team_id = EXCLUDED.care_team_id, updated_at = now()`,
      [patientId, this.seal(JSON.stringify(name)), careTeamId],
    );
  }

  override async moveName(tx: Transaction, patientId: string, careTeamId: string): Promise<void> {
    await moveNames(tx, [{ patientId, careTeamId }]);
  }

  override async namesOf(patientIds: readonly string[]): Promise<ReadonlyMap<string, PersonName>> {
    if (patientIds.length === 0) return new Map();
    const { rows } = await this.pool.query<NameRow>('SELECT patient_id, name_sealed FROM patient_names WHERE patient_id = ANY($1::uuid[])', [patientIds]);
    return new Map(rows.map((row) => [row.patient_id, this.nameOf(row)]));
  }

  override async namesInCareTeams(careTeamIds: readonly string[] | undefined): Promise<readonly NamedPatient[]> {
    const { rows } = await this.pool.query<NameRow>('SELECT patient_id, name_sealed FROM patient_names WHERE $1::text[] IS NULL OR care_team_id = ANY($1::text[])', [careTeamIds ?? null]);
    return rows.map((row) => ({ patientId: row.patient_id, name: this.nameOf(row) }));
  }

  private nameOf(row: NameRow): PersonName {
    return JSON.parse(this.unseal(row.name_sealed)) as PersonName;
  }

  private hmacOf(nationalId: string): string {
    return createHmac('sha256', this.key).update(nationalId).digest('hex');
  }

  /** `iv.tag.ciphertext`, base64url. */
  private seal(text: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv);
    const ciphertext = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString('base64url')).join('.');
  }

  private unseal(sealed: string): string {
    const [iv, tag, ciphertext] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
    const decipher = createDecipheriv('aes-256-gcm', this.sealKey, iv!);
    decipher.setAuthTag(tag!);
    return Buffer.concat([decipher.update(ciphertext!), decipher.final()]).toString('utf8');
  }
}

type NameRow = { patient_id: string; name_sealed: string };

/**
 * Moves kept names to the care teams of their patients' enrolments, in `tx`: live with `CareTeamChanged`, and in a
 * rebuild from the log (`name-care-teams`, pathways.projections.ts). Names are not in the log; their care team is.
 */
export async function moveNames(tx: Transaction, moves: readonly Readonly<{ patientId: string; careTeamId: string }>[]): Promise<void> {
  if (moves.length === 0) return;
  await tx.query(
    `UPDATE patient_names SET care_team_id = moved.care_team_id
       FROM unnest($1::uuid[], $2::text[]) AS moved (patient_id, care_team_id)
      WHERE patient_names.patient_id = moved.patient_id AND patient_names.care_team_id <> moved.care_team_id`,
    [moves.map((m) => m.patientId), moves.map((m) => m.careTeamId)],
  );
}
