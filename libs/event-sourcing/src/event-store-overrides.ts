import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';

/** The methods an event store wrapper replaces; every other member is the store's own. */
export type EventStoreOverrides = Partial<Pick<PostgresEventStore, 'readStream' | 'appendToStream'>>;

/**
 * The store with `readStream` and/or `appendToStream` replaced: how the caching, in-transaction, unit-of-work
 * and projecting stores wrap Emmett's store without copying the rest of it.
 */
export function withStoreOverrides(store: PostgresEventStore, overrides: EventStoreOverrides): PostgresEventStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'readStream' && overrides.readStream) return overrides.readStream;
      if (property === 'appendToStream' && overrides.appendToStream) return overrides.appendToStream;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
