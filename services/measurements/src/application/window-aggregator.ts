import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { deterministicId, EventStore, handleCommand } from '@varde/event-sourcing';
import type { MeasurementStreamChunkRecorded } from '../domain/sample-chunk.events';
import { aggregateWindows, windowStartsOf, type WindowAggregate } from '../domain/sampled-data';
import { windowAggregateDecider, type AggregateWindow } from '../domain/window-aggregate.decide';
import { windowAggregateStreamId } from '../domain/window-aggregate.events';
import { SampleChunksReadModel, type StreamKey } from './sample-chunks.port';
import { STREAM_SETTINGS, type StreamSettings } from './stream-settings';

/** Who aggregates: the service itself, on behalf of the chunk's sender (kept as correlation and causation). */
const AGGREGATOR = { subject: 'varde-measurements', role: 'system' } as const;

/**
 * After a chunk is recorded: stores it in the chunks' read model, then (re)computes every window it touches,
 * plus the last window of the chunk before it (which the stream has now moved past), from all chunks stored for
 * those windows, and appends a `MeasurementWindowAggregated` where the window decider says so (the relay
 * publishes it). Windows spanning chunks come out whole: each chunk is stored before its windows are computed,
 * so of two chunks of one window the one computed last sees both, and the decider never steps back to fewer
 * chunks. Idempotent: running it again for the same chunk writes nothing new.
 */
@Injectable()
export class WindowAggregator {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(SampleChunksReadModel) private readonly chunks: SampleChunksReadModel,
    @Inject(STREAM_SETTINGS) private readonly settings: StreamSettings,
  ) {}

  async afterChunk(chunk: MeasurementStreamChunkRecorded['data'], metadata: CommandMetadata): Promise<void> {
    await this.chunks.insert(chunk);
    const { windowMs } = this.settings;
    const stream: StreamKey = { patientId: chunk.patientId, system: chunk.code.system, code: chunk.code.code };
    const start = Date.parse(chunk.start);
    const own = windowStartsOf({ start, periodMs: chunk.periodMs, sampleCount: chunk.sampleCount }, windowMs);
    const [previous, frontier] = await Promise.all([this.chunks.previous(stream, start), this.chunks.frontier(stream)]);
    if (own.length === 0 || frontier === undefined) return;
    const threshold = this.settings.thresholds.get(chunk.code.code);
    // Two ranges, so a chunk arriving days after the previous one never loads the days between.
    const ranges = [{ from: own[0]!, to: own.at(-1)! + windowMs }];
    const last = previous && windowStartsOf(previous, windowMs).at(-1);
    if (last !== undefined && last < own[0]!) ranges.unshift({ from: last, to: last + windowMs });
    for (const range of ranges) {
      const stored = await this.chunks.overlapping(stream, range.from, range.to);
      for (const window of aggregateWindows(stored, windowMs, range.from, range.to, threshold)) await this.publish(window, chunk, threshold, frontier, metadata);
    }
  }

  private async publish(window: WindowAggregate, chunk: MeasurementStreamChunkRecorded['data'], threshold: number | undefined, frontier: number, metadata: CommandMetadata): Promise<void> {
    const { windowMs } = this.settings;
    const { start: windowStart, end: windowEnd, ...aggregate } = window;
    const streamName = windowAggregateStreamId(chunk.patientId, chunk.code.code, windowStart, windowMs);
    const command: AggregateWindow = {
      type: 'AggregateWindow',
      data: {
        patientId: chunk.patientId,
        code: chunk.code,
        unit: chunk.unit,
        windowStart: new Date(windowStart).toISOString(),
        windowEnd: new Date(windowEnd).toISOString(),
        ...aggregate,
        ...(threshold !== undefined ? { threshold } : {}),
        closed: frontier >= windowEnd,
      },
      metadata: {
        // The same chunks give the same aggregate: a rerun finds its own events and writes nothing.
        commandId: deterministicId(`${streamName}:${aggregate.chunkIds.join(',')}`),
        correlationId: metadata.correlationId,
        causationId: metadata.commandId,
        actor: AGGREGATOR,
        now: metadata.now,
        effectiveTime: new Date(windowEnd).toISOString(),
        ...(metadata.traceparent ? { traceparent: metadata.traceparent } : {}),
      },
    };
    await handleCommand(this.store, streamName, windowAggregateDecider, command, { maxConcurrencyRetries: 10 });
  }
}
