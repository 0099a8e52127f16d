import type { MeasurementStreamChunkRecorded } from '../domain/sample-chunk.events';
import type { TimedSamples } from '../domain/sampled-data';

/** A chunk as range reads use it: its samples placed in time, in the canonical unit. */
export type StoredChunk = TimedSamples & Readonly<{ unit: string; end: number; sampleCount: number }>;

/** A patient's stream of one code, as the read model's queries take it. */
export type StreamKey = Readonly<{ patientId: string; system: string; code: string }>;

/** Port: the stream chunks' read model, for time-range reads and window aggregation. */
export abstract class SampleChunksReadModel {
  /** Stores a chunk; a chunk already stored changes nothing. */
  abstract insert(chunk: MeasurementStreamChunkRecorded['data']): Promise<void>;
  /** The chunks of a stream with samples in [from, to) (epoch ms), in time order. */
  abstract overlapping(stream: StreamKey, from: number, to: number): Promise<StoredChunk[]>;
  /** The latest chunk starting before `before` (epoch ms), without its samples: where the stream was before a new chunk. */
  abstract previous(stream: StreamKey, before: number): Promise<Omit<StoredChunk, 'samples'> | undefined>;
  /** Where the stored stream reaches: the end of its latest chunk (epoch ms), or undefined when it has none. */
  abstract frontier(stream: StreamKey): Promise<number | undefined>;
}
