import type pg from 'pg';

/**
 * The one way the platform runs work in a PostgreSQL transaction: committed when `work` resolves, rolled back
 * when it throws (the error then goes on to the caller). On a pool, a client is taken for the transaction and
 * given back; on a client the caller holds (a lock holder, a single connection), the transaction runs on it.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
export async function inTransaction<T>(client: pg.ClientBase, work: (client: pg.ClientBase) => Promise<T>): Promise<T>;
export async function inTransaction<T>(on: pg.Pool | pg.ClientBase, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  if (!isPool(on)) return transaction(on as pg.PoolClient, work);
  const client = await on.connect();
  try {
    return await transaction(client, work);
  } finally {
    client.release();
  }
}

async function transaction<T>(client: pg.PoolClient, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function isPool(on: pg.Pool | pg.ClientBase): on is pg.Pool {
  return 'totalCount' in on;
}

/**
 * Runs `work` inside a transaction the caller already holds on `client`, as one part of it: a SAVEPOINT that is
 * released when `work` resolves and rolled back to (undoing only what `work` wrote) when it throws. The caller's
 * transaction stays open either way; it commits or rolls back the whole.
 */
export async function inSavepoint<T>(client: pg.ClientBase, work: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  await client.query('SAVEPOINT varde_part');
  try {
    const result = await work(client);
    await client.query('RELEASE SAVEPOINT varde_part');
    return result;
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT varde_part').catch(() => undefined);
    throw error;
  }
}
