import type { DomainEvent } from '@varde/core';
import type { HandleCommandResult, StoredEvent } from '@varde/event-sourcing';

/** An event with its position in its stream (projections use it to ignore stale updates). */
export type PositionedEvent<E extends DomainEvent> = Readonly<{ event: StoredEvent<E>; streamPosition: bigint }>;

/** The events a handled command produced (or found already written), each with its stream position. */
export function positioned<E extends DomainEvent>(result: HandleCommandResult<unknown, E>): readonly PositionedEvent<E>[] {
  const count = result.events.length;
  return result.events.map((event, index) => ({
    event,
    // Events read back carry their position; freshly appended ones end at the stream's new version.
    streamPosition: readPosition(event) ?? result.nextStreamVersion - BigInt(count - 1 - index),
  }));
}

function readPosition(event: StoredEvent): bigint | undefined {
  const position = (event.metadata as { streamPosition?: unknown }).streamPosition;
  return typeof position === 'bigint' ? position : undefined;
}
