import { ConcurrencyError, type Decider, type DomainCommand, type DomainEvent } from '@varde/core';
import { handleCommand, type HandleCommandOptions, type HandleCommandResult } from './command-handler';
import type { EventStore } from './event-store.port';
import type { Transaction, Transactions } from './transaction';

// Tries of the whole transaction when concurrent writers of one stream keep meeting.
const MAX_ATTEMPTS = 4;

/** A concurrent writer got to the stream first: the decision was made on an older version, or the insert lost the race. */
const isWriteConflict = (error: unknown): boolean => error instanceof ConcurrencyError || (error as { code?: unknown } | null)?.code === '23505';

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
