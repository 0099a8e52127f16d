import type { Decider, DomainCommand } from '@varde/core';
import { evolveWindowAggregate, initialWindowAggregateState, type MeasurementWindowAggregated, type WindowAggregateEvent, type WindowAggregateState } from './window-aggregate.events';

/**
 * Publish a window's aggregates as computed from the chunks stored now; `closed` when stored data reaches the
 * window's end (so no more samples are expected for it, except late ones).
 */
export type AggregateWindow = DomainCommand<'AggregateWindow', Omit<MeasurementWindowAggregated['data'], 'revision'> & { closed: boolean }>;

/** Every command of the window decider. */
export type WindowAggregateCommand = AggregateWindow;

/**
 * An open window that was never published waits for the chunk that closes it. A window is published again only
 * when it now includes a chunk it did not: chunks are never removed, so a computation that sees no new chunk is
 * older than (or equal to) what was published, and publishing it would step back.
 */
export function decideWindowAggregate(command: WindowAggregateCommand, state: WindowAggregateState): WindowAggregateEvent[] {
  switch (command.type) {
    case 'AggregateWindow': {
      const { closed, ...aggregate } = command.data;
      if (state.status === 'none' && !closed) return [];
      if (state.status === 'published' && aggregate.chunkIds.every((id) => state.chunkIds.includes(id))) return [];
      return [{ type: 'MeasurementWindowAggregated', data: { ...aggregate, revision: state.status === 'published' ? state.revision + 1 : 1 } }];
    }
    default: {
      const _exhaustive: never = command.type;
      return [];
    }
  }
}

/** The window decider (one stream per patient, code and window). */
export const windowAggregateDecider: Decider<WindowAggregateCommand, WindowAggregateState, WindowAggregateEvent> = {
  decide: decideWindowAggregate,
  evolve: evolveWindowAggregate,
  initialState: initialWindowAggregateState,
};
