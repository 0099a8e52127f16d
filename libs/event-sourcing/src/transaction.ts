import { inTransaction } from '@varde/database';
import type pg from 'pg';

/**
 * An open database transaction, as application code passes it from the unit of work that opened it to the
 * adapters that write in it (read models, appends). Application code never queries through it.
 */
export type Transaction = pg.ClientBase;

/** Port: runs work in one database transaction (bound to {@link PostgresTransactions}). */
export abstract class Transactions {
  /** Runs `work` in a new transaction: committed when it resolves, rolled back when it throws. */
  abstract run<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
}

/** {@link Transactions} on a PostgreSQL pool. */
export class PostgresTransactions extends Transactions {
  constructor(private readonly pool: pg.Pool) {
    super();
  }

  override run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }
}
