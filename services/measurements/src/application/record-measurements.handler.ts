import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { EventStore, GroupCommit, Transactions, type StoredEvent, type StreamCommand, type Transaction } from '@varde/event-sourcing';
import { measurementDecider, type RecordMeasurement } from '../domain/measurement.decide';
import { measurementStreamId, type MeasurementRecorded } from '../domain/measurement.events';
import { CorrectMeasurementHandler, type PreparedCorrection } from './correct-measurement.handler';
import { decideAll } from './decide-all';
import { MeasurementQuery } from './measurement.query';
import { viewOfStream, type MeasurementView } from './measurement.view';
import { MeasurementsProjection } from './measurements-projection.port';
import { recordMeasurementCommand, type MeasurementInput, type RecordResult } from './record-measurement.command';
import { RecordSampleChunkHandler, type ChunkResult, type SampleChunkInput } from './record-sample-chunk.handler';

/** One measurement recorded with others: recorded (or found recorded), or refused and why. */
type MeasurementOutcome = Readonly<{ recorded: RecordResult } | { refused: unknown }>;

/** An authorised submission: the command input of one value or of one chunk. */
export type Submission = Readonly<{ kind: 'point'; input: MeasurementInput } | { kind: 'chunk'; input: SampleChunkInput }>;

/** The work of a Bundle entry: a submission to record, or a correction of a recorded measurement (a `PUT` entry). */
export type EntryWork = Submission | Readonly<{ kind: 'correction'; correction: PreparedCorrection }>;

/** The work of a Bundle entry with its command's metadata. */
export type Entry = readonly [EntryWork, CommandMetadata];

/** One entry recorded with others: recorded (or found recorded), as the caller answers it, or refused and why. */
export type EntryOutcome<R> = Readonly<{ recorded: R } | { refused: unknown }>;

/** An all-or-nothing recording: every entry recorded, or none, with the error of each refused one. */
export type AllOrNothing<R> = Readonly<{ written: true; recorded: readonly R[] } | { written: false; errors: readonly (unknown | undefined)[] }>;

/**
 * How the caller answers what recording gave (the FHIR endpoints: an Observation, and refusals naming its elements).
 * Called where each outcome is made, so an entry's answer is built once, with nothing in between.
 */
export interface RecordingAnswers<R> {
  /** A point value recorded, or found recorded by a resend. */
  point(result: RecordResult): R;
  /** A chunk recorded, or found recorded by a resend. */
  chunk(result: ChunkResult): R;
  /** A measurement as it reads after its correction. */
  corrected(view: MeasurementView): R;
  /** A refusal as the caller's client reads it. */
  refusal(error: unknown): unknown;
  /** Why appending `correction` failed, as the caller's client reads it (the version another correction left, say). */
  correctionRefusal(error: unknown, correction: PreparedCorrection): Promise<unknown>;
}

// Chunks are recorded one by one (each then has its windows aggregated); a few at a time keep the pool busy
// without starving other requests.
const CHUNK_PARALLELISM = 8;

// Single measurements arriving while earlier ones are being written share the next transaction (group commit):
// under load one commit serves many requests; on an idle service each is written at once.
const SINGLE_GROUP = { maxGroup: 100, maxInFlight: 4 };

/**
 * Records what clients submit: one measurement or chunk ({@link record}), a batch's entries each on its own
 * ({@link recordEach}), or a transaction's all or nothing ({@link recordAllOrNothing}), a Bundle's corrections
 * included. Each measurement is decided as one alone would be — a resend returns the original and writes nothing,
 * the same identifier with other content is refused — but every stream is read in one query, and the new
 * measurements are appended, events and read-model rows, in one transaction: 500 measurements cost a handful of
 * round trips and one commit instead of 500 of each. Chunks and corrections go to their own use cases.
 */
@Injectable()
export class RecordMeasurementsHandler {
  private readonly singlePoints: GroupCommit<readonly [MeasurementInput, CommandMetadata], RecordResult>;

  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(MeasurementsProjection) private readonly projection: MeasurementsProjection,
    @Inject(RecordSampleChunkHandler) private readonly chunks: RecordSampleChunkHandler,
    @Inject(CorrectMeasurementHandler) private readonly corrections: CorrectMeasurementHandler,
    @Inject(MeasurementQuery) private readonly measurements: MeasurementQuery,
    @Inject(Transactions) private readonly transactions: Transactions,
  ) {
    this.singlePoints = new GroupCommit(async (items) => (await this.eachOnItsOwn(items)).map((o) => ('recorded' in o ? { ok: o.recorded } : o)), SINGLE_GROUP);
  }

  /**
   * Records one submission; a resend returns the original and writes nothing. A point value is written with the
   * others arriving at the same moment, in one transaction (see SINGLE_GROUP); its outcome is its own.
   */
  async record<R>(submission: Submission, metadata: CommandMetadata, answers: RecordingAnswers<R>): Promise<R> {
    try {
      return await this.recordUnnamed(submission, metadata, answers);
    } catch (error) {
      throw answers.refusal(error);
    }
  }

  private async recordUnnamed<R>(submission: Submission, metadata: CommandMetadata, answers: RecordingAnswers<R>): Promise<R> {
    if (submission.kind === 'point') return answers.point(await this.singlePoints.submit([submission.input, metadata]));
    return answers.chunk(await this.chunks.handle(submission.input, metadata));
  }

  /**
   * Records each entry on its own (a batch): the point values together, in one transaction, chunks and corrections
   * one by one. Every entry has its outcome, in order.
   */
  async recordEach<R>(entries: readonly Entry[], answers: RecordingAnswers<R>): Promise<EntryOutcome<R>[]> {
    const [points, others] = await Promise.all([this.recordPoints(entries, answers), this.recordOneByOne(entries, answers)]);
    return entries.map((_, i) => {
      const outcome = points.get(i) ?? others.get(i)!;
      return 'refused' in outcome ? { refused: answers.refusal(outcome.refused) } : outcome;
    });
  }

  /**
   * Records every entry or none (a transaction). Point values and corrections are decided and appended in one
   * database transaction, so a refusal or a failure writes none of them. Chunks keep their own path: when there are
   * any, all entries are decided first, and the chunks are recorded one by one after the rest commits.
   */
  async recordAllOrNothing<R>(entries: readonly Entry[], answers: RecordingAnswers<R>): Promise<AllOrNothing<R>> {
    if (entries.some(([s]) => s.kind === 'chunk')) {
      const errors = await this.checkAll(entries);
      if (errors.some((e) => e !== undefined)) return { written: false, errors: errors.map((e) => answers.refusal(e)) };
    }
    const inTransaction = await this.pointsAndCorrectionsTogether(entries, answers);
    if ([...inTransaction.values()].some((o) => 'refused' in o)) return { written: false, errors: entries.map((_, i) => answers.refusal(refusal(inTransaction.get(i)))) };
    const recorded: R[] = [];
    const rethrow = (error: unknown): never => {
      throw answers.refusal(error);
    };
    for (const [i, entry] of entries.entries()) {
      const done = inTransaction.get(i);
      recorded.push(done && 'recorded' in done ? done.recorded : await this.recordOne(entry, answers).catch(rethrow));
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
      return await this.recordAll(items, false);
    } catch (error) {
      if (items.length <= 1) return items.map(() => ({ refused: error }));
      return Promise.all(items.map((item) => this.recordAll([item], false).then(([outcome]) => outcome!, (refused: unknown) => ({ refused }))));
    }
  }

  /** A batch's point-value entries' outcomes by entry index, each standing on its own (see eachOnItsOwn). */
  private async recordPoints<R>(entries: readonly Entry[], answers: RecordingAnswers<R>): Promise<Map<number, EntryOutcome<R>>> {
    const { indexes, inputs } = pointsOf(entries);
    const results = await this.eachOnItsOwn(inputs);
    return new Map(results.map((result, k) => [indexes[k]!, 'recorded' in result ? { recorded: answers.point(result.recorded) } : result]));
  }

  /**
   * A transaction's point values and corrections, all in one database transaction: the first refusal rolls it all
   * back, and the outcomes say which entry was refused (the others are then "not written", no outcome).
   */
  private async pointsAndCorrectionsTogether<R>(entries: readonly Entry[], answers: RecordingAnswers<R>): Promise<Map<number, EntryOutcome<R>>> {
    const { indexes, inputs } = pointsOf(entries);
    const outcomes = new Map<number, EntryOutcome<R>>();
    const corrected: [number, string][] = [];
    try {
      await this.transactions.run(async (tx) => {
        const results = await this.recordAll(inputs, true, tx);
        results.forEach((result, k) => outcomes.set(indexes[k]!, 'recorded' in result ? { recorded: answers.point(result.recorded) } : result));
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
      if (work?.kind === 'correction') outcomes.set(entry!, { refused: await answers.correctionRefusal(refused, work.correction) });
      return outcomes;
    }
    for (const [i, id] of corrected) outcomes.set(i, { recorded: await this.correctedOf(id, answers) });
    return outcomes;
  }

  /** The chunk and correction entries' outcomes by entry index, each recorded on its own, a few at a time. */
  private async recordOneByOne<R>(entries: readonly Entry[], answers: RecordingAnswers<R>): Promise<Map<number, EntryOutcome<R>>> {
    const ones = entries.flatMap(([s], i) => (s.kind === 'point' ? [] : [i]));
    const outcomes = new Map<number, EntryOutcome<R>>();
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let k = next++; k < ones.length; k = next++) {
        const i = ones[k]!;
        outcomes.set(i, await this.recordOne(entries[i]!, answers).then((recorded) => ({ recorded }), (refused: unknown) => ({ refused })));
      }
    };
    await Promise.all(Array.from({ length: Math.min(CHUNK_PARALLELISM, ones.length) }, worker));
    return outcomes;
  }

  /** One entry on its own: a submission recorded, or a correction appended in its own transaction. */
  private async recordOne<R>([work, metadata]: Entry, answers: RecordingAnswers<R>): Promise<R> {
    if (work.kind !== 'correction') return this.recordUnnamed(work, metadata, answers);
    const { id, request, expectedVersion } = work.correction;
    try {
      await this.corrections.handle(id, request, metadata, expectedVersion);
    } catch (error) {
      throw await answers.correctionRefusal(error, work.correction);
    }
    return this.correctedOf(id, answers);
  }

  /** A corrected measurement as it reads now. */
  private async correctedOf<R>(id: string, answers: RecordingAnswers<R>): Promise<R> {
    return answers.corrected((await this.measurements.current(id))!);
  }

  /**
   * Each input's outcome, in order. With `allOrNothing`, if any is refused nothing at all is written. With `tx`, the
   * measurements are written in that transaction (the caller's, which commits or rolls back with them).
   */
  private async recordAll(inputs: readonly (readonly [MeasurementInput, CommandMetadata])[], allOrNothing: boolean, tx?: Transaction): Promise<MeasurementOutcome[]> {
    const commands = inputs.map(([input, metadata]): StreamCommand<RecordMeasurement> => {
      const command = recordMeasurementCommand(input, metadata);
      return [measurementStreamId(command.data.measurementId), command];
    });
    const outcomes = await (tx ? this.store.within(tx) : this.store).handleNewStreamCommands(measurementDecider, commands, {
      allOrNothing,
      // The rows commit with their events: the read model never lags behind a Bundle, nor shows one that failed.
      beforeCommit: (tx, created) => this.projection.apply(tx, created.map((events) => viewOfStream(events)).filter((v): v is MeasurementView => v !== undefined)),
    });
    return outcomes.map((outcome): MeasurementOutcome => {
      if (!outcome.accepted) return { refused: outcome.error };
      const measurement = outcome.streamEvents.find((e): e is StoredEvent<MeasurementRecorded> => e.type === 'MeasurementRecorded');
      if (!measurement) throw new Error('the measurement was not recorded');
      return { recorded: { measurement, created: outcome.appended.length > 0 } };
    });
  }

  /** Decides every entry without appending; each one's error (undefined when it would be accepted), in order. */
  private async checkAll(entries: readonly Entry[]): Promise<(unknown | undefined)[]> {
    const points: [MeasurementInput, CommandMetadata][] = [];
    const chunks: [SampleChunkInput, CommandMetadata][] = [];
    for (const [s, metadata] of entries) {
      if (s.kind === 'point') points.push([s.input, metadata]);
      else if (s.kind === 'chunk') chunks.push([s.input, metadata]);
    }
    const [pointErrors, chunkErrors] = await Promise.all([this.checkPoints(points), this.chunks.checkAll(chunks)]);
    // Corrections are decided in the transaction with the point values (see pointsAndCorrectionsTogether).
    return entries.map(([s]) => (s.kind === 'point' ? pointErrors.shift() : s.kind === 'chunk' ? chunkErrors.shift() : undefined));
  }

  /** Decides every point value without appending; each one's error (undefined when it would be accepted), in order. */
  private checkPoints(inputs: readonly (readonly [MeasurementInput, CommandMetadata])[]): Promise<(unknown | undefined)[]> {
    return decideAll(this.store, measurementDecider, inputs.map(([input, metadata]) => {
      const command = recordMeasurementCommand(input, metadata);
      return [measurementStreamId(command.data.measurementId), command] as const;
    }));
  }
}

const refusal = (outcome: EntryOutcome<unknown> | undefined): unknown => (outcome && 'refused' in outcome ? outcome.refused : undefined);

/** The point-value entries: their indexes among `entries`, and their command inputs in the same order. */
function pointsOf(entries: readonly Entry[]): { indexes: number[]; inputs: (readonly [MeasurementInput, CommandMetadata])[] } {
  const points = entries.flatMap(([s, metadata], index) => (s.kind === 'point' ? [{ index, entry: [s.input, metadata] as const }] : []));
  return { indexes: points.map((p) => p.index), inputs: points.map((p) => p.entry) };
}

/** Rolls a transaction's database transaction back once an entry is refused (`entry`, when not a point value). */
class RolledBack extends Error {
  constructor(
    readonly entry?: number,
    readonly refused?: unknown,
  ) {
    super('rolled back: an entry of the transaction was refused');
  }
}
