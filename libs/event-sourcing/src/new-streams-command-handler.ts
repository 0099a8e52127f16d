import { ConcurrencyError, type Decider, type DomainCommand, type DomainEvent } from '@varde/core';
import type pg from 'pg';
import { decideOnStream, type HandleCommandOptions } from './command-handler';
import { appendToNewStreams, readStreams } from './postgres-multi-stream';
import type { RecordedEvent, StoredEvent } from './stored-event';
import { inSavepoint, inTransaction } from '@varde/database';
import type { Transaction } from './transaction';

/** A command and the stream it is decided on. */
export type StreamCommand<C extends DomainCommand> = readonly [streamName: string, command: C];

/** What became of one command of {@link handleNewStreamCommands}. */
export type CommandOutcome<S, E extends DomainEvent> =
  | Readonly<{
      accepted: true;
      state: S;
      /** What this command appended; empty when it changed nothing or was handled before. */
      appended: readonly StoredEvent<E>[];
      /** The stream's events after this command: stored before, or appended by it or an earlier command of the call. */
      streamEvents: readonly StoredEvent<E>[];
      alreadyHandled: boolean;
    }>
  | Readonly<{ accepted: false; error: unknown }>;

/** Options of {@link handleNewStreamCommands}. */
export type NewStreamCommandsOptions<E extends DomainEvent> = Omit<HandleCommandOptions, 'maxConcurrencyRetries'> &
  Readonly<{
    /** When one command is refused, append nothing at all. */
    allOrNothing: boolean;
    /** Runs in the append's transaction after the events are written, with each created stream's events: a read model committed with them. */
    beforeCommit?: (client: Transaction, created: readonly (readonly RecordedEvent<E>[])[]) => Promise<void>;
  }>;

type Decided<S, E extends DomainEvent> = Readonly<{ outcomes: CommandOutcome<S, E>[]; pending: Map<string, StoredEvent<E>[]> }>;

/**
 * Handles many commands that create streams (one measurement each, say) in one read and one transaction,
 * where {@link handleCommand} would take a transaction per stream: reads every stream in one query, decides
 * each command in order (against its stream as stored and the earlier commands of the call on the same
 * stream), then creates all new streams in one statement (see {@link appendToNewStreams}) and runs
 * `beforeCommit` in the same transaction.
 *
 * A command that would append to a stream that already exists is refused with a ConcurrencyError: this path
 * only creates streams. Streams another writer creates between the read and the append are not written
 * twice: the append leaves them alone and their commands are decided again against what that writer stored
 * (a resend then changes nothing). With `allOrNothing`, if any command is refused, nothing is appended and
 * the outcomes say which; otherwise the accepted ones are appended and each refused one has its error.
 *
 * On a pool it opens its own transaction; given a transaction the caller holds (`db` a client), it reads and
 * appends in that one, as a savepoint: a refusal of an all-or-nothing call undoes only what this call wrote,
 * and the caller's commit or rollback decides the rest.
 */
export async function handleNewStreamCommands<C extends DomainCommand, S, E extends DomainEvent>(
  db: pg.Pool | Transaction,
  decider: Decider<C, S, E>,
  commands: readonly StreamCommand<C>[],
  options: NewStreamCommandsOptions<E>,
): Promise<CommandOutcome<S, E>[]> {
  const stored = await readStreams<E>(db, commands.map(([streamName]) => streamName));
  const first = decideInOrder(decider, commands, stored, new Set(stored.keys()), options);
  const refused = (outcomes: readonly CommandOutcome<S, E>[]) => outcomes.some((o) => !o.accepted);
  if ((options.allOrNothing && refused(first.outcomes)) || first.pending.size === 0) return first.outcomes;
  try {
    const inOwnPart = <T>(work: (client: pg.ClientBase) => Promise<T>): Promise<T> => ('totalCount' in db ? inTransaction(db as pg.Pool, work) : inSavepoint(db, work));
    return await inOwnPart(async (client) => {
      const outcomes = [...first.outcomes];
      const { created, existing } = await appendToNewStreams(client, [...first.pending].map(([streamName, events]) => ({ streamName, events })));
      if (existing.length > 0) {
        // Created by another writer after the read (the append waited for it to commit): decide their commands
        // again against what it stored. The streams exist now, so nothing more can be appended to them here.
        const conflicted = new Set(existing);
        const indexes = commands.flatMap(([streamName], i) => (conflicted.has(streamName) ? [i] : []));
        const again = decideInOrder(decider, indexes.map((i) => commands[i]!), await readStreams<E>(client, existing), conflicted, options);
        indexes.forEach((commandIndex, k) => (outcomes[commandIndex] = again.outcomes[k]!));
        if (options.allOrNothing && refused(again.outcomes)) throw new RolledBack(outcomes);
      }
      if (options.beforeCommit && created.length > 0) await options.beforeCommit(client, created);
      return outcomes;
    });
  } catch (error) {
    if (error instanceof RolledBack) return error.outcomes as CommandOutcome<S, E>[];
    throw error;
  }
}

/** Rolls the transaction back when a re-decided command of an all-or-nothing call is refused. */
class RolledBack extends Error {
  constructor(readonly outcomes: readonly unknown[]) {
    super('rolled back: a command was refused');
  }
}

/** Decides the commands in order; `existing` are the streams that exist in the store, which this path never appends to. */
function decideInOrder<C extends DomainCommand, S, E extends DomainEvent>(
  decider: Decider<C, S, E>,
  commands: readonly StreamCommand<C>[],
  stored: ReadonlyMap<string, readonly StoredEvent<E>[]>,
  existing: ReadonlySet<string>,
  options: HandleCommandOptions,
): Decided<S, E> {
  const streams = new Map<string, readonly StoredEvent<E>[]>(stored);
  const pending = new Map<string, StoredEvent<E>[]>();
  const outcomes = commands.map(([streamName, command]): CommandOutcome<S, E> => {
    const events = streams.get(streamName) ?? [];
    let decision;
    try {
      decision = decideOnStream(decider, command, events, options);
    } catch (error) {
      return { accepted: false, error };
    }
    if (decision.alreadyHandled || decision.events.length === 0) {
      return { accepted: true, state: decision.state, appended: [], streamEvents: events, alreadyHandled: decision.alreadyHandled };
    }
    if (existing.has(streamName)) {
      return { accepted: false, error: new ConcurrencyError(`Stream ${streamName} exists: ${command.type} would append to it, and this path only creates streams; handle it on its own`) };
    }
    const streamEvents = [...events, ...decision.events];
    streams.set(streamName, streamEvents);
    pending.set(streamName, [...(pending.get(streamName) ?? []), ...decision.events]);
    return { accepted: true, state: decision.state, appended: decision.events, streamEvents, alreadyHandled: false };
  });
  return { outcomes, pending };
}
