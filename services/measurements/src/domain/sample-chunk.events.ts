import type { DomainEvent } from '@varde/core';
import type { Provenance } from './measurement.events';

/** How a chunk arrived, where it differs from what is stored: the SampledData transform and unit as received. */
export type ChunkOriginal = Readonly<{
  unit: string;
  origin: number;
  factor?: number;
  lowerLimit?: number;
  upperLimit?: number;
  /** The `data` string as received; only kept when it differs from the canonical `data` (another unit, origin or factor). */
  data?: string;
}>;

/**
 * A chunk of a continuous stream (FHIR SampledData) was accepted: one event for all its samples, which are kept
 * as a canonical-unit SampledData `data` string (value i taken at `start + i * periodMs`; E/L/U are gaps).
 */
export type MeasurementStreamChunkRecorded = DomainEvent<
  'MeasurementStreamChunkRecorded',
  {
    chunkId: string;
    patientId: string;
    observationStatus: 'final' | 'amended' | 'corrected' | 'preliminary';
    code: Readonly<{ system: string; code: string; display: string }>;
    /** Canonical UCUM unit of the samples. */
    unit: string;
    /** When sample 0 was taken. */
    start: string;
    /** `start + sampleCount * periodMs`: the end of the last sample's period. */
    end: string;
    periodMs: number;
    sampleCount: number;
    /** Samples in the canonical unit, space-separated, E/L/U for gaps. */
    data: string;
    original: ChunkOriginal;
    receivedTime: string;
    identifier?: Readonly<{ system: string; value: string }>;
    provenance: Provenance;
  }
>;

/** Every event of a chunk's stream. */
export type SampleChunkEvent = MeasurementStreamChunkRecorded;

/** A chunk, folded from its events. */
export type SampleChunkState = { status: 'none' } | ({ status: 'recorded' } & MeasurementStreamChunkRecorded['data']);

/** The state before any event. */
export const initialSampleChunkState = (): SampleChunkState => ({ status: 'none' });

/** Applies one event to the state. */
export function evolveSampleChunk(state: SampleChunkState, event: SampleChunkEvent): SampleChunkState {
  switch (event.type) {
    case 'MeasurementStreamChunkRecorded':
      return { status: 'recorded', ...event.data };
    default: {
      const _exhaustive: never = event.type;
      return state;
    }
  }
}

/** The one name of a chunk's stream (not `measurement-`: point measurements' read model never sees chunks). */
export const sampleChunkStreamId = (chunkId: string): string => `sample-chunk-${chunkId}`;
