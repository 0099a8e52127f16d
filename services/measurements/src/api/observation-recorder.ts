import { Inject, Injectable } from '@nestjs/common';
import type { Observation } from '@medplum/fhirtypes';
import type { CommandMetadata } from '@varde/core';
import { RecordMeasurementHandler, type MeasurementInput, type RecordResult } from '../application/record-measurement.handler';
import { RecordSampleChunkHandler, type ChunkResult, type SampleChunkInput } from '../application/record-sample-chunk.handler';
import type { Authorise } from './measurement-submission';
import type { ValidSubmission } from './observation.intake';
import { observationFromChunk, observationResource } from './observation.resource';

/** An authorised submission: the command input of one value or of one chunk. */
export type Submission = Readonly<{ kind: 'point'; input: MeasurementInput } | { kind: 'chunk'; input: SampleChunkInput }>;

/** What recording a submission gave, as responses need it. */
export type Recorded = Readonly<{ id: string; created: boolean; recordedTime: string; resource: () => Observation }>;

/** Records point values and chunks alike, so the single and Bundle endpoints treat both the same way. */
@Injectable()
export class ObservationRecorder {
  constructor(
    @Inject(RecordMeasurementHandler) private readonly points: RecordMeasurementHandler,
    @Inject(RecordSampleChunkHandler) private readonly chunks: RecordSampleChunkHandler,
  ) {}

  /** Authorises a validated submission for the request's caller (see MeasurementSubmission). */
  async authorise(authorise: Authorise, submission: ValidSubmission, at?: string): Promise<Submission> {
    return submission.kind === 'point' ? { kind: 'point', input: await authorise(submission.valid, at) } : { kind: 'chunk', input: await authorise(submission.valid, at) };
  }

  /** Records one submission; a resend returns the original and writes nothing. */
  async record(submission: Submission, metadata: CommandMetadata): Promise<Recorded> {
    if (submission.kind === 'point') return recordedPoint(await this.points.handle(submission.input, metadata));
    return recordedChunk(await this.chunks.handle(submission.input, metadata));
  }

  /** Decides every submission without appending; each one's error (undefined when it would be accepted), in order. */
  async checkAll(submissions: readonly (readonly [Submission, CommandMetadata])[]): Promise<(unknown | undefined)[]> {
    const points: [MeasurementInput, CommandMetadata][] = [];
    const chunks: [SampleChunkInput, CommandMetadata][] = [];
    for (const [s, metadata] of submissions) {
      if (s.kind === 'point') points.push([s.input, metadata]);
      else chunks.push([s.input, metadata]);
    }
    const [pointErrors, chunkErrors] = await Promise.all([this.points.checkAll(points), this.chunks.checkAll(chunks)]);
    return submissions.map(([s]) => (s.kind === 'point' ? pointErrors.shift() : chunkErrors.shift()));
  }
}

const recordedPoint = (r: RecordResult): Recorded => ({ id: r.measurement.data.measurementId, created: r.created, recordedTime: r.measurement.metadata.recordedTime, resource: () => observationResource(r.measurement) });

const recordedChunk = (r: ChunkResult): Recorded => ({ id: r.chunk.data.chunkId, created: r.created, recordedTime: r.chunk.metadata.recordedTime, resource: () => observationFromChunk(r.chunk.data, r.chunk.metadata.recordedTime) });
