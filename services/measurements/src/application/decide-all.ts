import type { Decider, DomainCommand, DomainEvent } from '@varde/core';
import type { EventStore, StoredEvent } from '@varde/event-sourcing';

/**
 * Decides every command without appending, against its stream as it is now and against the earlier commands
 * of the same call (two entries for one stream), so a transaction can refuse all before writing any. Returns
 * each command's error, or undefined when it would be accepted.
 */
export async function decideAll<C extends DomainCommand, S, E extends DomainEvent>(
  store: EventStore,
  decider: Decider<C, S, E>,
  commands: readonly (readonly [stream: string, command: C])[],
): Promise<(unknown | undefined)[]> {
  const states = new Map<string, S>();
  const errors: (unknown | undefined)[] = [];
  for (const [stream, command] of commands) {
    let state = states.get(stream);
    if (state === undefined) {
      const { events } = await store.readStream<StoredEvent<E>>(stream);
      state = events.reduce((s, e) => decider.evolve(s, e as unknown as E), decider.initialState());
    }
    try {
      const decided = decider.decide(command, state);
      states.set(stream, (Array.isArray(decided) ? decided : [decided as E]).reduce((s, e) => decider.evolve(s, e), state));
      errors.push(undefined);
    } catch (error) {
      errors.push(error);
    }
  }
  return errors;
}
