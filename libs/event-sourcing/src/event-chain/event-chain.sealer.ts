import type { KeyObject } from 'node:crypto';
import type pg from 'pg';
import { inTransaction } from '@varde/database';
import { signCheckpoint, type SignedCheckpoint } from './checkpoint-signature';
import { CHAINED_EVENT_COLUMNS, eventHash, GENESIS_HASH, type ChainedEvent } from './event-hash';

/** Options of {@link EventChainSealer}. */
export type EventChainSealerOptions = Readonly<{
  /** A pool whose sessions use the service's schema first. */
  pool: pg.Pool;
  schema: string;
  /**
   * Signs a checkpoint of the head every `checkpointEveryMs`; without it, the chain is kept but not signed. A
   * function is asked at every checkpoint, so a key rotated on disk is used without a restart.
   */
  signingKey?: KeyObject | (() => KeyObject | undefined);
  /** How often new events are sealed (default 1 s). */
  intervalMs?: number;
  /** How often the head is signed (default 5 minutes). */
  checkpointEveryMs?: number;
  batchSize?: number;
  now?: () => Date;
  onError?: (error: unknown) => void;
}>;

type Head = Readonly<{ seq: bigint; hash: string; transactionId: string; globalPosition: string }>;

const READ_HEAD = `SELECT seq::text, hash, transaction_id::text AS "transactionId", global_position::text AS "globalPosition"
  FROM event_chain ORDER BY event_chain.seq DESC LIMIT 1`;
// Only transactions older than every one still open: a later commit can never land before what was sealed.
const READ_UNSEALED = `SELECT ${CHAINED_EVENT_COLUMNS} FROM emt_messages
  WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
    AND (transaction_id, global_position) > ($1::xid8, $2::bigint)
  ORDER BY transaction_id, global_position LIMIT $3`;

/**
 * Seals a service's event log into a hash chain: each event's hash covers its content and the hash before it,
 * in the order the log committed them; and signs the head now and then (a checkpoint an operator can hand to a
 * third party). Replicas take turns through a transaction lock; what one sealed the other continues from. Its
 * tables come from `eventChainMigrations` (migrations/).
 */
export class EventChainSealer {
  private timer: NodeJS.Timeout | undefined;
  private lastCheckpointAt = 0;
  private running: Promise<void> | undefined;
  private readonly batchSize: number;

  constructor(private readonly options: EventChainSealerOptions) {
    this.batchSize = options.batchSize ?? 2_000;
  }

  /** Seals what the log holds now and, when due, signs a checkpoint; every `intervalMs` until {@link stop}. */
  start(): void {
    const tick = (): void => {
      this.running = this.sealAll()
        .then(() => this.checkpointIfDue())
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.options.intervalMs ?? 1_000);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops sealing after the batch in progress. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Seals every event committed so far; resolves with how many were sealed. */
  async sealAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const sealed = await this.sealBatch();
      total += sealed;
      if (sealed < this.batchSize) return total;
    }
  }

  /** Signs the head now (when something was sealed since the last checkpoint); resolves with the checkpoint made. */
  async checkpoint(): Promise<SignedCheckpoint | undefined> {
    const given = this.options.signingKey;
    const key = typeof given === 'function' ? given() : given;
    if (!key) return undefined;
    return inTransaction(this.options.pool, async (client) => {
      await this.lock(client);
      const head = await readHead(client);
      if (!head) return undefined;
      const { rows } = await client.query<{ seq: string }>('SELECT seq::text FROM event_chain_checkpoints ORDER BY event_chain_checkpoints.seq DESC LIMIT 1');
      if (rows[0] && BigInt(rows[0].seq) >= head.seq) return undefined;
      const signed = signCheckpoint({ schema: this.options.schema, seq: head.seq.toString(), hash: head.hash, signedAt: (this.options.now?.() ?? new Date()).toISOString() }, key);
      await client.query(
        `INSERT INTO event_chain_checkpoints (seq, hash, signed_at, key_id, public_key, signature) VALUES ($1, $2, $3, $4, $5, $6)`,
        [signed.seq, signed.hash, signed.signedAt, signed.keyId, signed.publicKey, signed.signature],
      );
      return signed;
    });
  }

  private async checkpointIfDue(): Promise<void> {
    const now = Date.now();
    if (now - this.lastCheckpointAt < (this.options.checkpointEveryMs ?? 300_000)) return;
    await this.checkpoint();
    this.lastCheckpointAt = now;
  }

  private async sealBatch(): Promise<number> {
    return inTransaction(this.options.pool, async (client) => {
      await this.lock(client);
      // As for the relay (ADR 0005): always the range scan of the order index, whatever the statistics say.
      await client.query('SET LOCAL enable_seqscan = off');
      const head = await readHead(client);
      const { rows } = await client.query<ChainedEvent>(READ_UNSEALED, [head?.transactionId ?? '0', head?.globalPosition ?? '-1', this.batchSize]);
      if (rows.length === 0) return 0;
      let seq = head?.seq ?? 0n;
      let hash = head?.hash ?? GENESIS_HASH;
      const columns: { seq: string[]; tx: string[]; gp: string[]; stream: string[]; position: string[]; hash: string[] } = { seq: [], tx: [], gp: [], stream: [], position: [], hash: [] };
      for (const event of rows) {
        seq += 1n;
        hash = eventHash(hash, event);
        columns.seq.push(seq.toString());
        columns.tx.push(event.transactionId);
        columns.gp.push(event.globalPosition);
        columns.stream.push(event.streamId);
        columns.position.push(event.streamPosition);
        columns.hash.push(hash);
      }
      await client.query(
        `INSERT INTO event_chain (seq, transaction_id, global_position, stream_id, stream_position, hash)
         SELECT * FROM unnest($1::bigint[], $2::xid8[], $3::bigint[], $4::text[], $5::bigint[], $6::text[])`,
        [columns.seq, columns.tx, columns.gp, columns.stream, columns.position, columns.hash],
      );
      return rows.length;
    });
  }

  private async lock(client: pg.PoolClient): Promise<void> {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`varde-event-chain:${this.options.schema}`]);
  }
}

async function readHead(client: pg.PoolClient): Promise<Head | undefined> {
  const { rows } = await client.query<{ seq: string; hash: string; transactionId: string; globalPosition: string }>(READ_HEAD);
  const row = rows[0];
  return row ? { seq: BigInt(row.seq), hash: row.hash, transactionId: row.transactionId, globalPosition: row.globalPosition } : undefined;
}
