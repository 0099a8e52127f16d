import { STREAM_DOES_NOT_EXIST, isExpectedVersionConflictError, type EventStore } from '@event-driven-io/emmett';
import { ConcurrencyError, type Decider, type DomainCommand, type DomainEvent, type EventMetadata } from '@varde/core';
import { eventIdFor } from './event-ids';
import type { StoredEvent } from './stored-event';
import type { StreamStateCache } from './stream-state-cache';

/** Options of {@link handleCommand}. */
export type HandleCommandOptions = Readonly<{
  /** Schema version written in the metadata of new events. */
  schemaVersion?: number;
  /** How often to re-read and re-decide when another writer got there first. */
  maxConcurrencyRetries?: number;
  /** Clock for `recordedTime`; injectable for tests. */
  clock?: () => Date;
  /** Folded states remembered between commands on the same streams (long streams; see StreamStateCache). */
  stateCache?: StreamStateCache<unknown>;
  /**
   * The stream version the caller decided on (an HTTP `If-Match`): when the stream is at another version, or moves
   * before the append, ConcurrencyError and nothing written — no re-read and re-decide.
   */
  expectedStreamVersion?: bigint;
}>;

/** What a handled command produced. */
export type HandleCommandResult<State, E extends DomainEvent> = Readonly<{
  state: State;
  events: readonly StoredEvent<E>[];
  nextStreamVersion: bigint;
  /** True when the command had already been handled and nothing new was written. */
  alreadyHandled: boolean;
}>;

/** What deciding one command against its stream's events gave (see {@link decideOnStream}). */
export type StreamDecision<State, E extends DomainEvent> = Readonly<{
  /** The state after `events`. */
  state: State;
  /** The command's own events when it was handled before (nothing to append), else the new events to append (none when nothing changes). */
  events: readonly StoredEvent<E>[];
  alreadyHandled: boolean;
}>;

/**
 * Decides `command` against a stream's events without appending: when the stream already holds the events
 * this command id produces, those (already handled); otherwise the decider's new events with Varde's
 * metadata. Shared by {@link handleCommand} and the multi-stream path, so both decide alike. `folded`: the
 * state after `existing` when the caller has it already; `holds`: whether `existing` holds an event with a given
 * message id, when the caller knows without a scan (a long stream is then not searched for every command).
 */
export function decideOnStream<C extends DomainCommand, S, E extends DomainEvent>(
  decider: Decider<C, S, E>,
  command: C,
  existing: readonly StoredEvent<E>[],
  options: HandleCommandOptions = {},
  folded?: S,
  holds?: (messageId: string) => boolean | undefined,
): StreamDecision<S, E> {
  const state = folded ?? existing.reduce((s, e) => decider.evolve(s, e as unknown as E), decider.initialState());
  const firstId = eventIdFor(command.metadata.commandId, 0);
  const start = holds?.(firstId) === false ? -1 : existing.findIndex((e) => e.metadata.messageId === firstId);
  if (start >= 0) {
    const own = existing.slice(start).filter((e, i) => e.metadata.messageId === eventIdFor(command.metadata.commandId, i));
    return { state, events: own, alreadyHandled: true };
  }
  const decided = decider.decide(command, state);
  const domainEvents: readonly E[] = Array.isArray(decided) ? decided : [decided as E];
  if (domainEvents.length === 0) return { state, events: [], alreadyHandled: false };
  const recordedTime = (options.clock ?? (() => new Date()))().toISOString();
  const events = domainEvents.map((event, index): StoredEvent<E> => ({
    ...event,
    metadata: metadataFor(command, index, recordedTime, options.schemaVersion ?? 1),
  }));
  return { state: domainEvents.reduce((s, e) => decider.evolve(s, e), state), events, alreadyHandled: false };
}

/**
 * Load → decide → append with the expected stream version. Event ids derive from the command id, so a
 * retried command finds its own events and writes nothing; a real conflict is retried, then reported.
 */
export async function handleCommand<C extends DomainCommand, S, E extends DomainEvent>(
  store: EventStore,
  streamName: string,
  decider: Decider<C, S, E>,
  command: C,
  options: HandleCommandOptions = {},
): Promise<HandleCommandResult<S, E>> {
  const maxRetries = options.maxConcurrencyRetries ?? 3;
  for (let attempt = 0; ; attempt++) {
    const { events: existing, currentStreamVersion, streamExists } = await store.readStream<StoredEvent<E>>(streamName);
    if (options.expectedStreamVersion !== undefined && currentStreamVersion !== options.expectedStreamVersion) {
      throw new ConcurrencyError(`Stream ${streamName} is at version ${currentStreamVersion}, not ${options.expectedStreamVersion}`);
    }
    const cache = options.stateCache as StreamStateCache<S> | undefined;
    const folded = cache?.fold(streamName, existing, decider.initialState, decider.evolve);
    const decision = decideOnStream(decider, command, existing, options, folded, cache && ((id) => cache.holds(streamName, id)));
    if (decision.alreadyHandled || decision.events.length === 0) {
      return { ...decision, nextStreamVersion: currentStreamVersion };
    }
    try {
      const result = await store.appendToStream(streamName, decision.events as never[], {
        expectedStreamVersion: streamExists ? currentStreamVersion : STREAM_DOES_NOT_EXIST,
      } as never);
      // The next command on the stream then folds nothing: its read returns these events, the state after them is known.
      cache?.advance(streamName, existing.length, decision.events, decision.state);
      return { ...decision, nextStreamVersion: result.nextExpectedStreamVersion };
    } catch (error) {
      // Not instanceof: emmett-postgresql bundles its own copy of Emmett's error classes.
      if (!isExpectedVersionConflictError(error)) throw error;
      if (attempt >= maxRetries || options.expectedStreamVersion !== undefined) {
        throw new ConcurrencyError(`Stream ${streamName} kept changing while handling ${command.type}; try again`);
      }
    }
  }
}

function metadataFor(command: DomainCommand, index: number, recordedTime: string, schemaVersion: number): EventMetadata {
  const m = command.metadata;
  return {
    messageId: eventIdFor(m.commandId, index),
    correlationId: m.correlationId,
    causationId: m.causationId ?? m.commandId,
    actor: m.actor,
    effectiveTime: m.effectiveTime ?? m.now,
    recordedTime,
    schemaVersion,
    ...(m.traceparent ? { traceparent: m.traceparent } : {}),
    ...(m.tracestate ? { tracestate: m.tracestate } : {}),
  };
}
