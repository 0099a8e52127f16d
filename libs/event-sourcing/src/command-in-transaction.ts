import { isExpectedVersionConflictError } from '@event-driven-io/emmett';
import { ConcurrencyError, type Decider, type DomainCommand, type DomainEvent } from '@varde/core';
import { handleCommand, type HandleCommandOptions, type HandleCommandResult } from './command-handler';
import type { EventStore } from './event-store.port';
import type { Transaction, Transactions } from './transaction';

// Tries of the whole transaction when concurrent writers of one stream keep meeting.
const MAX_ATTEMPTS = 4;

/**
 * A concurrent writer got in the way, and the same work done again on what it stored may succeed: the decision was
 * made on an older stream version (Varde's ConcurrencyError, or Emmett's own conflict error, which a unit of work's
 * flush throws as it is), a new stream's insert lost the race (PostgreSQL 23505), or two transactions deadlocked
 * (40P01). Every retry of a write in Varde asks this.
 */
export const isWriteConflict = (error: unknown): boolean =>
  error instanceof ConcurrencyError || isExpectedVersionConflictError(error) || ['23505', '40P01'].includes(String((error as { code?: unknown } | null)?.code));

/**
 * Load → decide → append in one database transaction, with what `alsoWrite` writes in it (the read-model rows that
 * commit with the events). A write conflict with a concurrent writer runs the whole transaction again, decided on
 * what the other writer stored: inside the transaction a failed append may have aborted it, so {@link handleCommand}
 * must not retry there. With `options.expectedStreamVersion` a conflict is the caller's answer and is not retried.
 */
export async function handleCommandInTransaction<C extends DomainCommand, S, E extends DomainEvent, T>(
  transactions: Transactions,
  store: EventStore,
  streamName: string,
  decider: Decider<C, S, E>,
  command: C,
  alsoWrite: (tx: Transaction, result: HandleCommandResult<S, E>) => Promise<T>,
  options: HandleCommandOptions = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transactions.run(async (tx) => alsoWrite(tx, await handleCommand(store.within(tx), streamName, decider, command, { ...options, maxConcurrencyRetries: 0 })));
    } catch (error) {
      if (options.expectedStreamVersion !== undefined || attempt >= MAX_ATTEMPTS || !isWriteConflict(error)) throw error;
    }
  }
}
