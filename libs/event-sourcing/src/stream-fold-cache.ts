import type { EventStore } from '@event-driven-io/emmett';
import type { DomainEvent } from '@varde/core';
import type { StoredEvent } from './stored-event';

/**
 * One stream's state, folded once and kept: each `load` reads only the events appended since (a catalogue that is
 * written rarely and read on every request). Loads running at once may finish in any order: each folds onto the
 * state its read started from, and the furthest one is kept.
 */
export class StreamFoldCache<S, E extends DomainEvent> {
  private folded: Readonly<{ state: S; position: bigint }>;

  constructor(
    private readonly store: Pick<EventStore, 'readStream'>,
    private readonly streamName: string,
    initialState: S,
    private readonly evolve: (state: S, event: StoredEvent<E>) => S,
  ) {
    this.folded = { state: initialState, position: 0n };
  }

  /** The state after every event of the stream. */
  async load(): Promise<S> {
    const start = this.folded;
    const { events } = await this.store.readStream<StoredEvent<E>>(this.streamName, { from: start.position + 1n });
    const last = events.at(-1);
    if (!last) return start.state;
    const state = events.reduce(this.evolve, start.state);
    const position = (last.metadata as { streamPosition?: bigint }).streamPosition ?? start.position + BigInt(events.length);
    if (position > this.folded.position) this.folded = { state, position };
    return state;
  }
}
