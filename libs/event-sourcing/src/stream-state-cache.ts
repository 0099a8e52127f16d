import type { DomainEvent } from '@varde/core';
import type { StoredEvent } from './stored-event';

type Entry<S> = Readonly<{ version: number; lastEventId: string; state: S; messageIds: Set<string> }>;

/**
 * Folded states of recently handled streams, so a command folds only the events its stream gained since
 * (see HandleCommandOptions.stateCache) instead of the whole stream: a patient's triage stream gains an event
 * with every input, and folding all of it per input made each assessment cost grow with the patient's history.
 * An entry is used only when the stream still holds, at the entry's version, the event the entry was folded up
 * to; whoever may have folded events that were then rolled back calls {@link forget}. At most `maxStreams`
 * entries; the stream used longest ago goes first.
 */
export class StreamStateCache<S> {
  private readonly entries = new Map<string, Entry<S>>();

  constructor(private readonly maxStreams: number) {}

  /** The state after `events` (a whole stream, oldest first), folded from the remembered state where it still holds. */
  fold<E extends DomainEvent>(streamName: string, events: readonly StoredEvent<E>[], initial: () => S, evolve: (state: S, event: E) => S): S {
    const entry = this.entries.get(streamName);
    const usable = entry !== undefined && entry.version <= events.length && events[entry.version - 1]?.metadata.messageId === entry.lastEventId;
    let state = usable ? entry.state : initial();
    // The entry replacing this one takes its id set over: the old entry is never used again.
    const messageIds = usable ? entry.messageIds : new Set<string>();
    for (let i = usable ? entry.version : 0; i < events.length; i++) {
      state = evolve(state, events[i] as unknown as E);
      messageIds.add(events[i]!.metadata.messageId);
    }
    const last = events[events.length - 1];
    if (last) this.remember(streamName, { version: events.length, lastEventId: last.metadata.messageId, state, messageIds });
    return state;
  }

  /**
   * Whether the events last folded for the stream hold an event with this message id: true or false when the
   * cache has the stream, undefined when it does not. Lets a command find out it was handled before without
   * scanning the stream.
   */
  holds(streamName: string, messageId: string): boolean | undefined {
    return this.entries.get(streamName)?.messageIds.has(messageId);
  }

  /**
   * The stream gained `appended` right after the `fromVersion` events last folded, and `state` is the state after
   * them (the caller decided them, so it has it): remembered, so the next fold has nothing left to fold. Ignored
   * — and the entry dropped — when the cache's entry is not at `fromVersion`.
   */
  advance<E extends DomainEvent>(streamName: string, fromVersion: number, appended: readonly StoredEvent<E>[], state: S): void {
    const last = appended[appended.length - 1];
    if (!last) return;
    const entry = this.entries.get(streamName);
    if ((entry?.version ?? 0) !== fromVersion) {
      this.entries.delete(streamName);
      return;
    }
    const messageIds = entry?.messageIds ?? new Set<string>();
    for (const event of appended) messageIds.add(event.metadata.messageId);
    this.remember(streamName, { version: fromVersion + appended.length, lastEventId: last.metadata.messageId, state, messageIds });
  }

  /** Drops what is remembered of a stream (its events folded in a transaction that rolled back). */
  forget(streamName: string): void {
    this.entries.delete(streamName);
  }

  private remember(streamName: string, entry: Entry<S>): void {
    this.entries.delete(streamName);
    if (this.entries.size >= this.maxStreams) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(streamName, entry);
  }
}
