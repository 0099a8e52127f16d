import { Inject, Injectable } from '@nestjs/common';
import type { Observation } from '@medplum/fhirtypes';
import type { PreparedCorrection } from '../application/correct-measurement.handler';
import type { MeasurementView } from '../application/measurement.view';
import type { RecordResult } from '../application/record-measurement.command';
import type { RecordingAnswers } from '../application/record-measurements.handler';
import type { ChunkResult } from '../application/record-sample-chunk.handler';
import { ObservationCorrections } from './observation-corrections';
import { observationPaths } from './observation-paths';
import { observationFromChunk, observationFromView, observationResource } from './observation.resource';

/** What recording a submission gave, as responses need it. */
export type Recorded = Readonly<{ id: string; created: boolean; recordedTime: string; resource: () => Observation }>;

/**
 * What recording gave (see RecordMeasurementsHandler), as the single and Bundle endpoints answer it: the Observation
 * written, and every refusal naming the Observation's elements (see observationPaths), not the domain's fields.
 */
@Injectable()
export class ObservationAnswers implements RecordingAnswers<Recorded> {
  constructor(@Inject(ObservationCorrections) private readonly corrections: ObservationCorrections) {}

  point(r: RecordResult): Recorded {
    return { id: r.measurement.data.measurementId, created: r.created, recordedTime: r.measurement.metadata.recordedTime, resource: () => observationResource(r.measurement) };
  }

  chunk(r: ChunkResult): Recorded {
    return { id: r.chunk.data.chunkId, created: r.created, recordedTime: r.chunk.metadata.recordedTime, resource: () => observationFromChunk(r.chunk.data, r.chunk.metadata.recordedTime) };
  }

  corrected(view: MeasurementView): Recorded {
    return { id: view.measurementId, created: false, recordedTime: view.lastUpdated, resource: () => observationFromView(view) };
  }

  refusal(error: unknown): unknown {
    return observationPaths.refusal(error);
  }

  correctionRefusal(error: unknown, correction: PreparedCorrection): Promise<unknown> {
    return this.corrections.refusalOf(error, correction);
  }
}
