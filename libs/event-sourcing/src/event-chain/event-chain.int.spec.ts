import { generateKeyPairSync } from 'node:crypto';
import { migrateSchema } from '@varde/database';
import { freshSchema } from '@varde/testing';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { createPostgresEventStore } from '../postgres-event-store';
import { schemaConnectionString } from '@varde/database';
import { checkpointSigningKey } from './checkpoint-signature';
import { checkEventChain } from './event-chain.check';
import { EventChainSealer } from './event-chain.sealer';
import { eventChainMigrations } from './migrations/event-chain.migrations';

const keyPem = (): { privateKey: string; publicKey: string } => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
};

describe('the event chain: tampering directly in PostgreSQL is reported', () => {
  let schema: string;
  let pool: pg.Pool;
  let close: () => Promise<void> = async () => undefined;
  let sealer: EventChainSealer;
  const key = keyPem();

  beforeEach(async () => {
    schema = freshSchema('chain');
    const store = await createPostgresEventStore({ databaseUrl: inject('databaseUrl'), schema });
    pool = new pg.Pool({ connectionString: schemaConnectionString(inject('databaseUrl'), schema), max: 3 });
    sealer = new EventChainSealer({ pool, schema, signingKey: checkpointSigningKey(key.privateKey) });
    await migrateSchema({ databaseUrl: inject('databaseUrl'), schema }, [eventChainMigrations]);
    for (let patient = 1; patient <= 3; patient++) {
      for (let reading = 1; reading <= 4; reading++) {
        await store.appendToStream(`measurement-patient-${patient}`, [{ type: 'MeasurementRecorded', data: { spo2: 90 + reading, patient } }]);
      }
    }
    expect(await sealer.sealAll()).toBe(12);
    expect(await sealer.checkpoint()).toMatchObject({ seq: '12' });
    close = async () => {
      await store.close();
      await pool.end();
    };
  });
  afterEach(async () => close());

  const check = () => checkEventChain(pool, schema, { trustedKeys: [key.publicKey] });

  it('finds nothing wrong in an untouched log, and seals what comes later from where it stopped', async () => {
    const clean = await check();
    expect(clean).toMatchObject({ ok: true, checked: 12, sealedSeq: '12', unsealed: 0, checkpoints: { total: 1, verified: 1 } });

    await pool.query(`INSERT INTO emt_messages (stream_id, stream_position, message_data, message_metadata, message_schema_version, message_type, message_id, transaction_id)
      VALUES ('measurement-patient-9', 1, '{"spo2": 97}', '{}', '1', 'MeasurementRecorded', 'late-1', pg_current_xact_id())`);
    expect((await check()).unsealed).toBe(1);
    expect(await sealer.sealAll()).toBe(1);
    expect(await check()).toMatchObject({ ok: true, checked: 13, unsealed: 0 });
  });

  it('reports an event edited in place, naming its stream and position', async () => {
    await pool.query(`UPDATE emt_messages SET message_data = '{"spo2": 99, "patient": 2}' WHERE stream_id = 'measurement-patient-2' AND stream_position = 3`);
    const report = await check();
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ kind: 'changed', streamId: 'measurement-patient-2', streamPosition: '3' });
  });

  it('reports an event deleted', async () => {
    await pool.query(`DELETE FROM emt_messages WHERE stream_id = 'measurement-patient-1' AND stream_position = 2`);
    const report = await check();
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'removed', streamId: 'measurement-patient-1', streamPosition: '2' })]);
  });

  it('reports an event inserted among the sealed ones', async () => {
    const { rows } = await pool.query<{ tx: string; gp: string }>(`SELECT transaction_id::text AS tx, global_position::text AS gp FROM emt_messages
      WHERE stream_id = 'measurement-patient-3' AND stream_position = 1`);
    // Dated into the sealed past: the transaction of a sealed event, the global position just before it.
    await pool.query(`INSERT INTO emt_messages (stream_id, stream_position, message_data, message_metadata, message_schema_version, message_type, message_id, transaction_id, global_position)
      VALUES ('measurement-patient-7', 1, '{"spo2": 60}', '{}', '1', 'MeasurementRecorded', 'forged-1', $1::xid8, $2::bigint - 1)`, [rows[0]!.tx, rows[0]!.gp]);
    const report = await check();
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'inserted', streamId: 'measurement-patient-7', streamPosition: '1' })]);
  });

  it('reports a log and chain rewritten together, by the signed checkpoint', async () => {
    await pool.query(`UPDATE emt_messages SET message_data = '{"spo2": 99, "patient": 1}' WHERE stream_id = 'measurement-patient-1' AND stream_position = 1`);
    await pool.query('TRUNCATE event_chain');
    // The attacker re-seals the whole log, but cannot sign: the stored checkpoint no longer matches.
    await new EventChainSealer({ pool, schema }).sealAll();
    const report = await check();
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'checkpoint-mismatch', seq: '12' })]);
  });

  it('refuses a checkpoint signed by a key the operator did not publish', async () => {
    await pool.query('TRUNCATE event_chain_checkpoints');
    const rogue = keyPem();
    await new EventChainSealer({ pool, schema, signingKey: checkpointSigningKey(rogue.privateKey) }).checkpoint();
    const report = await check();
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'checkpoint-signature', seq: '12' })]);
  });
});
