import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { deterministicId, EventStore, handleCommand, type StoredEvent } from '@varde/event-sourcing';
import { LOGGER } from '@varde/platform';
import type { Logger } from '@varde/telemetry';
import { sampleChunkDecider, type RecordSampleChunk } from '../domain/sample-chunk.decide';
import { sampleChunkStreamId, type MeasurementStreamChunkRecorded, type SampleChunkEvent } from '../domain/sample-chunk.events';
import { chunkContent, contentParts } from '../domain/reading-content';
import { formatSamples } from '../domain/sampled-data';
import { decideAll } from './decide-all';
import { WindowAggregator } from './window-aggregator';

/** A validated chunk, as the HTTP edge hands it over (the id is chosen here). */
export type SampleChunkInput = Omit<RecordSampleChunk['data'], 'chunkId'>;

/** The stored chunk and whether this call recorded it. */
export type ChunkResult = Readonly<{ chunk: StoredEvent<MeasurementStreamChunkRecorded>; created: boolean }>;

/**
 * The chunk id: from the sender's identifier when there is one, otherwise a hash of the patient, the chunk's content
 * (the fields a resend is compared on, see chunkContent) and its samples, so an unidentified resend lands there too.
 */
export function chunkIdOf(input: SampleChunkInput): string {
  if (input.identifier) return deterministicId(`sample-chunk:${input.identifier.system}|${input.identifier.value}`);
  return deterministicId(`sample-chunk-content:${JSON.stringify([input.patientId, ...contentParts(chunkContent(input))])}:${formatSamples(input.samples)}`);
}

/** Records one chunk of a stream as one event, then has its windows aggregated; a resend writes nothing. */
@Injectable()
export class RecordSampleChunkHandler {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(WindowAggregator) private readonly windows: WindowAggregator,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async handle(input: SampleChunkInput, metadata: CommandMetadata): Promise<ChunkResult> {
    const command = this.command(input, metadata);
    const stream = sampleChunkStreamId(command.data.chunkId);
    const result = await handleCommand(this.store, stream, sampleChunkDecider, command);
    const events = result.events.length > 0 ? result.events : (await this.store.readStream<StoredEvent<SampleChunkEvent>>(stream)).events;
    const chunk = events.find((e) => e.type === 'MeasurementStreamChunkRecorded');
    if (!chunk) throw new Error('the chunk was not recorded');
    try {
      // Also on a resend: if aggregation failed the first time, the sender's retry completes it (and writes nothing twice).
      await this.windows.afterChunk(chunk.data, metadata);
    } catch (error) {
      // The chunk stands (it is the truth); its windows catch up when a chunk of the same stream follows or it is resent.
      this.logger.error({ err: error, chunkId: chunk.data.chunkId }, 'window aggregates not updated after a chunk');
    }
    return { chunk, created: result.events.length > 0 && !result.alreadyHandled };
  }

  /** Decides every input without appending (for an all-or-nothing transaction); returns each input's error. */
  checkAll(inputs: readonly (readonly [SampleChunkInput, CommandMetadata])[]): Promise<(unknown | undefined)[]> {
    return decideAll(this.store, sampleChunkDecider, inputs.map(([input, metadata]) => {
      const command = this.command(input, metadata);
      return [sampleChunkStreamId(command.data.chunkId), command] as const;
    }));
  }

  private command(input: SampleChunkInput, metadata: CommandMetadata): RecordSampleChunk {
    return { type: 'RecordSampleChunk', data: { ...input, chunkId: chunkIdOf(input) }, metadata };
  }
}
