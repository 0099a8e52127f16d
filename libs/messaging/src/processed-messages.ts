import type pg from 'pg';

/** How many records one pruning statement deletes at most: short statements, few locks held, none for long. */
const PRUNE_BATCH = 10_000;

/**
 * Deletes the records of messages processed before `before` (see startConsumer: each group records the id of
 * every message it handles, so that a redelivered one is recognised). A redelivery comes within seconds (an
 * offset not yet committed) or minutes (a relay that published again after a crash), so the records need not
 * be kept for ever; without pruning the table grows by one row per message per group. Deletes in batches;
 * returns how many it deleted.
 */
export async function pruneProcessedMessages(pool: pg.Pool, before: Date): Promise<number> {
  let deleted = 0;
  for (;;) {
    const { rowCount } = await pool.query(
      'DELETE FROM processed_messages WHERE ctid = ANY (ARRAY(SELECT ctid FROM processed_messages WHERE processed_at < $1 LIMIT $2))',
      [before, PRUNE_BATCH],
    );
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < PRUNE_BATCH) return deleted;
  }
}
