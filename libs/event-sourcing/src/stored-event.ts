import type { DomainEvent, EventMetadata } from '@varde/core';

/** An event as stored: the domain event plus Varde's metadata. */
export type StoredEvent<E extends DomainEvent = DomainEvent> = E & Readonly<{ metadata: EventMetadata }>;

/** An event read back from a stream, with its positions. */
export type RecordedEvent<E extends DomainEvent = DomainEvent> = StoredEvent<E> &
  Readonly<{ metadata: EventMetadata & { streamName: string; streamPosition: bigint; globalPosition?: bigint } }>;
