import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { EventStore, handleCommand, handleCommandInTransaction, Transactions, type Transaction } from '@varde/event-sourcing';
import { measurementCorrectionDecider, type CorrectionCommand } from '../domain/measurement-correction.decide';
import { measurementStreamId } from '../domain/measurement.events';
import { MeasurementsProjection } from './measurements-projection.port';

/** What a correction asks for: a new value (canonical unit), or entered-in-error; always with a reason. */
export type CorrectionRequest = Readonly<{ kind: 'amend'; value: number; unit: string; reason: string } | { kind: 'entered-in-error'; reason: string }>;

/** A correction read, authorised and checked against the measurement's current version: ready to append. */
export type PreparedCorrection = Readonly<{ id: string; request: CorrectionRequest; expectedVersion?: number; currentVersion: number }>;

/**
 * Appends a correction to a measurement's stream and updates its read-model row in the same transaction; a refused
 * one (IllegalStateError, 409) writes nothing.
 */
@Injectable()
export class CorrectMeasurementHandler {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(MeasurementsProjection) private readonly projection: MeasurementsProjection,
  ) {}

  /**
   * Whether this call wrote the correction (false when an Idempotency-Key retry found it already written). With
   * `expectedVersion` (the caller's If-Match), a measurement at another version is a ConcurrencyError.
   */
  async handle(measurementId: string, request: CorrectionRequest, metadata: CommandMetadata, expectedVersion?: number): Promise<boolean> {
    return handleCommandInTransaction(this.transactions, this.store, measurementStreamId(measurementId), measurementCorrectionDecider, correctionCommand(measurementId, request, metadata), (tx, result) => this.applied(tx, measurementId, result), versionOption(expectedVersion));
  }

  /** {@link handle} as part of a transaction the caller holds (a transaction Bundle's): it commits or rolls back with it. */
  async handleWithin(tx: Transaction, measurementId: string, request: CorrectionRequest, metadata: CommandMetadata, expectedVersion?: number): Promise<boolean> {
    const result = await handleCommand(this.store.within(tx), measurementStreamId(measurementId), measurementCorrectionDecider, correctionCommand(measurementId, request, metadata), versionOption(expectedVersion));
    return this.applied(tx, measurementId, result);
  }

  /** Updates the read-model row in `tx` when the command wrote; whether it did. */
  private async applied(tx: Transaction, measurementId: string, result: { alreadyHandled: boolean }): Promise<boolean> {
    if (result.alreadyHandled) return false;
    await this.projection.applyStream(tx, measurementStreamId(measurementId));
    return true;
  }
}

const correctionCommand = (measurementId: string, request: CorrectionRequest, metadata: CommandMetadata): CorrectionCommand =>
  request.kind === 'amend'
    ? { type: 'CorrectMeasurement', data: { measurementId, value: request.value, unit: request.unit, reason: request.reason }, metadata }
    : { type: 'MarkEnteredInError', data: { measurementId, reason: request.reason }, metadata };

/** The caller's If-Match as the expected stream version: a measurement at another version is a ConcurrencyError. */
const versionOption = (expectedVersion: number | undefined) => (expectedVersion === undefined ? {} : { expectedStreamVersion: BigInt(expectedVersion) });
