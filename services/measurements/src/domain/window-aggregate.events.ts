import type { DomainEvent } from '@varde/core';
import type { WindowAggregate } from './sampled-data';

/**
 * The aggregates of one fixed window of a patient's stream of one code, from every chunk stored for it when
 * computed; published again, one revision higher, when a later chunk adds samples to the window.
 */
export type MeasurementWindowAggregated = DomainEvent<
  'MeasurementWindowAggregated',
  Omit<WindowAggregate, 'start' | 'end'> & {
    patientId: string;
    code: Readonly<{ system: string; code: string; display: string }>;
    unit: string;
    windowStart: string;
    windowEnd: string;
    revision: number;
    /** Absent when no threshold is configured for the code. */
    threshold?: number;
  }
>;

/** Every event of a window's stream. */
export type WindowAggregateEvent = MeasurementWindowAggregated;

/** A window, folded from its events: what was last published. */
export type WindowAggregateState = { status: 'none' } | { status: 'published'; revision: number; chunkIds: readonly string[] };

/** The state before any event. */
export const initialWindowAggregateState = (): WindowAggregateState => ({ status: 'none' });

/** Applies one event to the state. */
export function evolveWindowAggregate(state: WindowAggregateState, event: WindowAggregateEvent): WindowAggregateState {
  switch (event.type) {
    case 'MeasurementWindowAggregated':
      return { status: 'published', revision: event.data.revision, chunkIds: event.data.chunkIds };
    default: {
      const _exhaustive: never = event.type;
      return state;
    }
  }
}

/** The one name of a window's stream: patient, code, window start (epoch ms) and length. */
export const windowAggregateStreamId = (patientId: string, code: string, windowStart: number, windowMs: number): string =>
  `window-aggregate-${patientId}-${code}-${windowStart}-${windowMs}`;
