import type pg from 'pg';
import { checkpointSignatureValid, type SignedCheckpoint } from './checkpoint-signature';
import { CHAINED_EVENT_COLUMNS, compareChainKeys, eventHash, GENESIS_HASH, type ChainedEvent, type ChainKey } from './event-hash';

/** What a check of the chain found wrong. */
export type ChainProblem = Readonly<{
  kind: 'changed' | 'removed' | 'inserted' | 'checkpoint-mismatch' | 'checkpoint-signature' | 'checkpoint-missing';
  /** The chain's sequence number where it was found. */
  seq?: string;
  streamId?: string;
  streamPosition?: string;
  globalPosition?: string;
  detail: string;
}>;

/** The result of {@link checkEventChain} for one service's log. */
export type ChainReport = Readonly<{
  schema: string;
  /** Events compared with the chain. */
  checked: number;
  /** The last sealed sequence number (0 when nothing is sealed yet). */
  sealedSeq: string;
  /** Events committed after the sealed head, not yet covered by the chain. */
  unsealed: number;
  checkpoints: Readonly<{ total: number; verified: number }>;
  /** The first problems found, in chain order (at most `maxProblems`). */
  problems: readonly ChainProblem[];
  ok: boolean;
}>;

/** Options of {@link checkEventChain}. */
export type ChainCheckOptions = Readonly<{
  /** Public keys (PEM) whose checkpoints are trusted; without them, a checkpoint's own key is taken as given. */
  trustedKeys?: readonly string[];
  /** Checkpoints an operator kept outside the database (e.g. handed to a third party); each must still match. */
  externalCheckpoints?: readonly SignedCheckpoint[];
  batchSize?: number;
  maxProblems?: number;
  onProgress?: (checked: number) => void;
}>;

type ChainRow = ChainKey & Readonly<{ seq: string; streamId: string; streamPosition: string; hash: string }>;

/**
 * Walks a service's log beside its hash chain and reports the first events changed, removed or inserted
 * behind the chain's back, and checkpoints that no longer match or whose signature fails. Reads only; a
 * broken chain is reported, never repaired.
 */
export async function checkEventChain(pool: pg.Pool, schema: string, options: ChainCheckOptions = {}): Promise<ChainReport> {
  const batchSize = options.batchSize ?? 5_000;
  const maxProblems = options.maxProblems ?? 100;
  const problems: ChainProblem[] = [];
  const report = (problem: ChainProblem): void => {
    if (problems.length < maxProblems) problems.push(problem);
  };
  const head = (await pool.query<ChainRow>(`SELECT seq::text, transaction_id::text AS "transactionId", global_position::text AS "globalPosition",
      stream_id AS "streamId", stream_position::text AS "streamPosition", hash FROM event_chain ORDER BY event_chain.seq DESC LIMIT 1`)).rows[0];
  const checkpoints = await loadCheckpoints(pool, options.externalCheckpoints ?? []);
  let verified = 0;
  for (const checkpoint of checkpoints.values()) {
    if (checkpointSignatureValid(checkpoint, options.trustedKeys)) verified += 1;
    else report({ kind: 'checkpoint-signature', seq: checkpoint.seq, detail: `checkpoint at ${checkpoint.seq} (signed ${checkpoint.signedAt}, key ${checkpoint.keyId}) has no valid signature${options.trustedKeys ? ' by a trusted key' : ''}` });
  }

  const chain = batches<ChainRow>(pool, batchSize, (after) => [
    `SELECT seq::text, transaction_id::text AS "transactionId", global_position::text AS "globalPosition", stream_id AS "streamId",
       stream_position::text AS "streamPosition", hash FROM event_chain WHERE event_chain.seq > $1::bigint ORDER BY event_chain.seq LIMIT $2`,
    [after?.seq ?? '0'],
  ]);
  const events = batches<ChainedEvent>(pool, batchSize, (after) => [
    `SELECT ${CHAINED_EVENT_COLUMNS} FROM emt_messages WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
       AND (transaction_id, global_position) <= ($3::xid8, $4::bigint) ORDER BY transaction_id, global_position LIMIT $5`,
    [after?.transactionId ?? '0', after?.globalPosition ?? '-1', head?.transactionId ?? '0', head?.globalPosition ?? '-1'],
  ]);

  let checked = 0;
  let storedPrevious = GENESIS_HASH;
  let link = await chain.next();
  let event = await events.next();
  while (!link.done || !event.done) {
    const order = link.done ? 1 : event.done ? -1 : compareChainKeys(link.value, event.value);
    if (order < 0 && !link.done) {
      const row = link.value;
      report({ kind: 'removed', seq: row.seq, streamId: row.streamId, streamPosition: row.streamPosition, globalPosition: row.globalPosition, detail: `event ${row.streamId}@${row.streamPosition} (sealed as ${row.seq}) is no longer in the log` });
      storedPrevious = afterLink(row, checkpoints, report);
      link = await chain.next();
    } else if (order > 0 && !event.done) {
      const e = event.value;
      report({ kind: 'inserted', streamId: e.streamId, streamPosition: e.streamPosition, globalPosition: e.globalPosition, detail: `event ${e.streamId}@${e.streamPosition} (${e.messageType}) is in the log where the chain has none` });
      event = await events.next();
    } else if (!link.done && !event.done) {
      const row = link.value;
      const e = event.value;
      checked += 1;
      if (eventHash(storedPrevious, e) !== row.hash) {
        report({ kind: 'changed', seq: row.seq, streamId: e.streamId, streamPosition: e.streamPosition, globalPosition: e.globalPosition, detail: `event ${e.streamId}@${e.streamPosition} (${e.messageType}) differs from what was sealed as ${row.seq}` });
      }
      storedPrevious = afterLink(row, checkpoints, report);
      if (checked % 100_000 === 0) options.onProgress?.(checked);
      link = await chain.next();
      event = await events.next();
    }
  }
  for (const checkpoint of checkpoints.values()) {
    if (!head || BigInt(checkpoint.seq) > BigInt(head.seq)) {
      report({ kind: 'checkpoint-missing', seq: checkpoint.seq, detail: `checkpoint at ${checkpoint.seq} is beyond the chain's head ${head?.seq ?? 0}: sealed events were removed` });
    }
  }
  options.onProgress?.(checked);
  const { rows } = await pool.query<{ count: string }>(
    `SELECT count(*)::text AS count FROM emt_messages WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)`,
    [head?.transactionId ?? '0', head?.globalPosition ?? '-1'],
  );
  return {
    schema,
    checked,
    sealedSeq: head?.seq ?? '0',
    unsealed: Number(rows[0]?.count ?? 0),
    checkpoints: { total: checkpoints.size, verified },
    problems,
    ok: problems.length === 0,
  };
}

/** The stored hash a link leaves for the next one, after comparing it with any checkpoint signed at its seq. */
function afterLink(row: ChainRow, checkpoints: ReadonlyMap<string, SignedCheckpoint>, report: (p: ChainProblem) => void): string {
  const checkpoint = checkpoints.get(row.seq);
  if (checkpoint && checkpoint.hash !== row.hash) {
    report({ kind: 'checkpoint-mismatch', seq: row.seq, detail: `the chain at ${row.seq} no longer has the hash signed on ${checkpoint.signedAt}: the log or the chain was rewritten before this point` });
  }
  return row.hash;
}

async function loadCheckpoints(pool: pg.Pool, external: readonly SignedCheckpoint[]): Promise<Map<string, SignedCheckpoint>> {
  const { rows } = await pool.query<SignedCheckpoint>(`SELECT current_schema() AS schema, seq::text, hash, signed_at AS "signedAt", key_id AS "keyId",
      public_key AS "publicKey", signature FROM event_chain_checkpoints ORDER BY event_chain_checkpoints.seq`);
  const all = new Map<string, SignedCheckpoint>();
  // An external copy wins: it is the one an attacker with database access could not rewrite.
  for (const checkpoint of [...rows, ...external]) all.set(checkpoint.seq, checkpoint);
  return all;
}

/** Rows of a keyset-paged query, one at a time; `query(last)` gives the text and the parameters before the limit. */
async function* batches<T>(pool: pg.Pool, size: number, query: (last: T | undefined) => [string, unknown[]]): AsyncGenerator<T, void> {
  let last: T | undefined;
  for (;;) {
    const [text, values] = query(last);
    const rows = (await pool.query(text, [...values, size])).rows as T[];
    yield* rows;
    if (rows.length < size) return;
    last = rows.at(-1);
  }
}
