import { Inject, Injectable } from '@nestjs/common';
import type { Observation } from '@medplum/fhirtypes';
import type { CommandMetadata } from '@varde/core';
import { GroupCommit, Transactions } from '@varde/event-sourcing';
import { CorrectMeasurementHandler } from '../application/correct-measurement.handler';
import { MeasurementQuery } from '../application/measurement.query';
import type { MeasurementInput, RecordResult } from '../application/record-measurement.command';
import { RecordMeasurementsHandler, type MeasurementOutcome } from '../application/record-measurements.handler';
import { RecordSampleChunkHandler, type ChunkResult, type SampleChunkInput } from '../application/record-sample-chunk.handler';
import type { Authorise } from './measurement-submission';
import type { ValidSubmission } from './observation.intake';
import { ObservationCorrections, type PreparedCorrection } from './observation-corrections';
import { asObservationRefusal, rethrowAsObservationRefusal } from './observation-paths';
import { observationFromChunk, observationFromView, observationResource } from './observation.resource';

/** An authorised submission: the command input of one value or of one chunk. */
export type Submission = Readonly<{ kind: 'point'; input: MeasurementInput } | { kind: 'chunk'; input: SampleChunkInput }>;

/** An authorised Bundle entry: a submission to record, or a correction of a recorded measurement (a `PUT` entry). */
export type EntryWork = Submission | Readonly<{ kind: 'correction'; correction: PreparedCorrection }>;

/** What recording a submission gave, as responses need it. */
export type Recorded = Readonly<{ id: string; created: boolean; recordedTime: string; resource: () => Observation }>;

/** The work of a Bundle entry with its command's metadata. */
export type Entry = readonly [EntryWork, CommandMetadata];

/** One entry recorded with others: recorded (or found recorded), or refused and why. */
export type EntryOutcome = Readonly<{ recorded: Recorded } | { refused: unknown }>;

/** An all-or-nothing recording: every entry recorded, or none, with the error of each refused one. */
export type AllOrNothing = Readonly<{ written: true; recorded: readonly Recorded[] } | { written: false; errors: readonly (unknown | undefined)[] }>;

// Chunks are recorded one by one (each then has its windows aggregated); a few at a time keep the pool busy
// without starving other requests.
const CHUNK_PARALLELISM = 8;

// Single Observations arriving while earlier ones are being written share the next transaction (group commit):
// under load one commit serves many requests; on an idle service each is written at once.
const SINGLE_GROUP = { maxGroup: 100, maxInFlight: 4 };

/**
 * Records point values and chunks alike, so the single and Bundle endpoints treat both the same way. Every refusal
 * it answers names the Observation's elements (see observationPaths), not the domain's fields.
 */
@Injectable()
export class ObservationRecorder {
  private readonly singlePoints: GroupCommit<readonly [MeasurementInput, CommandMetadata], RecordResult>;

  constructor(
    @Inject(RecordSampleChunkHandler) private readonly chunks: RecordSampleChunkHandler,
    @Inject(RecordMeasurementsHandler) private readonly manyPoints: RecordMeasurementsHandler,
    @Inject(CorrectMeasurementHandler) private readonly corrections: CorrectMeasurementHandler,
    @Inject(ObservationCorrections) private readonly correctionRequests: ObservationCorrections,
    @Inject(MeasurementQuery) private readonly measurements: MeasurementQuery,
    @Inject(Transactions) private readonly transactions: Transactions,
  ) {
    this.singlePoints = new GroupCommit(async (items) => (await this.eachOnItsOwn(items)).map((o) => ('recorded' in o ? { ok: o.recorded } : o)), SINGLE_GROUP);
  }

  /** Authorises a validated submission for the request's caller (see MeasurementSubmission). */
  async authorise(authorise: Authorise, submission: ValidSubmission, at?: string): Promise<Submission> {
    return submission.kind === 'point' ? { kind: 'point', input: await authorise(submission.valid, at) } : { kind: 'chunk', input: await authorise(submission.valid, at) };
  }

  /**
   * Records one submission; a resend returns the original and writes nothing. A point value is written with the
   * others arriving at the same moment, in one transaction (see SINGLE_GROUP); its outcome is its own.
   */
  async record(submission: Submission, metadata: CommandMetadata): Promise<Recorded> {
    return this.recordUnnamed(submission, metadata).catch(rethrowAsObservationRefusal);
  }

  private async recordUnnamed(submission: Submission, metadata: CommandMetadata): Promise<Recorded> {
    if (submission.kind === 'point') return recordedPoint(await this.singlePoints.submit([submission.input, metadata]));
    return recordedChunk(await this.chunks.handle(submission.input, metadata));
  }

  /**
   * Records each entry on its own (a batch): the point values together, in one transaction, chunks and corrections
   * one by one. Every entry has its outcome, in order.
   */
  async recordEach(entries: readonly Entry[]): Promise<EntryOutcome[]> {
    const [points, others] = await Promise.all([this.recordPoints(entries, false), this.recordOneByOne(entries)]);
    return entries.map((_, i) => named(points.get(i) ?? others.get(i)!));
  }

  /**
   * Records every entry or none (a transaction). Point values and corrections are decided and appended in one
   * database transaction, so a refusal or a failure writes none of them. Chunks keep their own path: when there are
   * any, all entries are decided first, and the chunks are recorded one by one after the rest commits.
   */
  async recordAllOrNothing(entries: readonly Entry[]): Promise<AllOrNothing> {
    if (entries.some(([s]) => s.kind === 'chunk')) {
      const errors = await this.checkAll(entries);
      if (errors.some((e) => e !== undefined)) return { written: false, errors: errors.map(asObservationRefusal) };
    }
    const inTransaction = await this.pointsAndCorrectionsTogether(entries);
    if ([...inTransaction.values()].some((o) => 'refused' in o)) return { written: false, errors: entries.map((_, i) => asObservationRefusal(refusal(inTransaction.get(i)))) };
    const recorded: Recorded[] = [];
    for (const [i, entry] of entries.entries()) {
      const done = inTransaction.get(i);
      recorded.push(done && 'recorded' in done ? done.recorded : await this.recordOne(entry).catch(rethrowAsObservationRefusal));
    }
    return { written: true, recorded };
  }

  /**
   * Records measurements that stand each on its own (singles grouped into one commit, a batch's entries): together
   * in one transaction, and when that fails as a whole, each again on its own, so one request's failure never
   * becomes another's.
   */
  private async eachOnItsOwn(items: readonly (readonly [MeasurementInput, CommandMetadata])[]): Promise<MeasurementOutcome[]> {
    try {
      return await this.manyPoints.recordAll(items, false);
    } catch (error) {
      if (items.length <= 1) return items.map(() => ({ refused: error }));
      return Promise.all(items.map((item) => this.manyPoints.recordAll([item], false).then(([outcome]) => outcome!, (refused: unknown) => ({ refused }))));
    }
  }

  /** The point-value entries' outcomes by entry index, decided and appended together (see RecordMeasurementsHandler). */
  private async recordPoints(entries: readonly Entry[], allOrNothing: boolean): Promise<Map<number, EntryOutcome>> {
    const { indexes, inputs } = pointsOf(entries);
    const results = allOrNothing ? await this.manyPoints.recordAll(inputs, true) : await this.eachOnItsOwn(inputs);
    return new Map(results.map((result, k) => [indexes[k]!, 'recorded' in result ? { recorded: recordedPoint(result.recorded) } : result]));
  }

  /**
   * A transaction's point values and corrections, all in one database transaction: the first refusal rolls it all
   * back, and the outcomes say which entry was refused (the others are then "not written", no outcome).
   */
  private async pointsAndCorrectionsTogether(entries: readonly Entry[]): Promise<Map<number, EntryOutcome>> {
    const { indexes, inputs } = pointsOf(entries);
    const outcomes = new Map<number, EntryOutcome>();
    const corrected: [number, string][] = [];
    try {
      await this.transactions.run(async (tx) => {
        const results = await this.manyPoints.recordAll(inputs, true, tx);
        results.forEach((result, k) => outcomes.set(indexes[k]!, 'recorded' in result ? { recorded: recordedPoint(result.recorded) } : result));
        if (results.some((r) => 'refused' in r)) throw new RolledBack();
        for (const [i, [work, metadata]] of entries.entries()) {
          if (work.kind !== 'correction') continue;
          const { id, request, expectedVersion } = work.correction;
          try {
            await this.corrections.handleWithin(tx, id, request, metadata, expectedVersion);
          } catch (refused) {
            throw new RolledBack(i, refused);
          }
          corrected.push([i, id]);
        }
      });
    } catch (error) {
      if (!(error instanceof RolledBack)) throw error;
      const { entry, refused } = error;
      const work = entry === undefined ? undefined : entries[entry]![0];
      if (work?.kind === 'correction') outcomes.set(entry!, { refused: await this.correctionRequests.refusalOf(refused, work.correction) });
      return outcomes;
    }
    for (const [i, id] of corrected) outcomes.set(i, { recorded: await this.correctedOf(id) });
    return outcomes;
  }

  /** The chunk and correction entries' outcomes by entry index, each recorded on its own, a few at a time. */
  private async recordOneByOne(entries: readonly Entry[]): Promise<Map<number, EntryOutcome>> {
    const ones = entries.flatMap(([s], i) => (s.kind === 'point' ? [] : [i]));
    const outcomes = new Map<number, EntryOutcome>();
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let k = next++; k < ones.length; k = next++) {
        const i = ones[k]!;
        outcomes.set(i, await this.recordOne(entries[i]!).then((recorded) => ({ recorded }), (refused: unknown) => ({ refused })));
      }
    };
    await Promise.all(Array.from({ length: Math.min(CHUNK_PARALLELISM, ones.length) }, worker));
    return outcomes;
  }

  /** One entry on its own: a submission recorded, or a correction appended in its own transaction. */
  private async recordOne([work, metadata]: Entry): Promise<Recorded> {
    if (work.kind !== 'correction') return this.recordUnnamed(work, metadata);
    const { id, request, expectedVersion } = work.correction;
    try {
      await this.corrections.handle(id, request, metadata, expectedVersion);
    } catch (error) {
      throw await this.correctionRequests.refusalOf(error, work.correction);
    }
    return this.correctedOf(id);
  }

  /** A corrected measurement as a Bundle entry's response needs it. */
  private async correctedOf(id: string): Promise<Recorded> {
    const view = (await this.measurements.current(id))!;
    return { id, created: false, recordedTime: view.lastUpdated, resource: () => observationFromView(view) };
  }

  /** Decides every submission without appending; each one's error (undefined when it would be accepted), in order. */
  private async checkAll(submissions: readonly Entry[]): Promise<(unknown | undefined)[]> {
    const points: [MeasurementInput, CommandMetadata][] = [];
    const chunks: [SampleChunkInput, CommandMetadata][] = [];
    for (const [s, metadata] of submissions) {
      if (s.kind === 'point') points.push([s.input, metadata]);
      else if (s.kind === 'chunk') chunks.push([s.input, metadata]);
    }
    const [pointErrors, chunkErrors] = await Promise.all([this.manyPoints.checkAll(points), this.chunks.checkAll(chunks)]);
    // Corrections are decided in the transaction with the point values (see pointsAndCorrectionsTogether).
    return submissions.map(([s]) => (s.kind === 'point' ? pointErrors.shift() : s.kind === 'chunk' ? chunkErrors.shift() : undefined));
  }
}

const refusal = (outcome: EntryOutcome | undefined): unknown => (outcome && 'refused' in outcome ? outcome.refused : undefined);

const named = (outcome: EntryOutcome): EntryOutcome => ('refused' in outcome ? { refused: asObservationRefusal(outcome.refused) } : outcome);

/** The point-value entries: their indexes among `entries`, and their command inputs in the same order. */
function pointsOf(entries: readonly Entry[]): { indexes: number[]; inputs: (readonly [MeasurementInput, CommandMetadata])[] } {
  const points = entries.flatMap(([s, metadata], index) => (s.kind === 'point' ? [{ index, entry: [s.input, metadata] as const }] : []));
  return { indexes: points.map((p) => p.index), inputs: points.map((p) => p.entry) };
}

/** Rolls a transaction Bundle's database transaction back once an entry is refused (`entry`, when not a point value). */
class RolledBack extends Error {
  constructor(
    readonly entry?: number,
    readonly refused?: unknown,
  ) {
    super('rolled back: an entry of the transaction was refused');
  }
}

const recordedPoint = (r: RecordResult): Recorded => ({ id: r.measurement.data.measurementId, created: r.created, recordedTime: r.measurement.metadata.recordedTime, resource: () => observationResource(r.measurement) });

const recordedChunk = (r: ChunkResult): Recorded => ({ id: r.chunk.data.chunkId, created: r.created, recordedTime: r.chunk.metadata.recordedTime, resource: () => observationFromChunk(r.chunk.data, r.chunk.metadata.recordedTime) });
