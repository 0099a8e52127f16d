import { AccessLog } from '@varde/platform';
import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError, type CommandMetadata } from '@varde/core';
import { MeasurementSearchQuery, type CodeFilter, type MeasurementPage, type MeasurementSearch } from '../infrastructure/measurement-search.query';
import type { StoredEvent } from '@varde/event-sourcing';
import type { SampleChunkEvent } from '../domain/sample-chunk.events';
import { SampleChunksReadModel, type StoredChunk, type StreamKey } from '../infrastructure/sample-chunks.read-model';
import { MeasurementQuery } from './measurement.query';
import type { MeasurementView } from './measurement.view';

/** Why measurements are read, as written to the patient's access log. */
const PURPOSE = 'measurements';

/**
 * Every read of measurements goes through here: the data is fetched, the patient shown is written to the
 * access log (sharing), and only then is anything returned. If the log cannot be written, nothing is shown
 * (503). Authorisation of the caller for the patient is checked at the edge before this is called.
 */
@Injectable()
export class MeasurementReader {
  constructor(
    @Inject(MeasurementSearchQuery) private readonly query: MeasurementSearchQuery,
    @Inject(MeasurementQuery) private readonly streams: MeasurementQuery,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
    @Inject(SampleChunksReadModel) private readonly chunks: SampleChunksReadModel,
  ) {}

  /** A page of one patient's measurements. */
  async search(search: MeasurementSearch, resource: string, request: CommandMetadata): Promise<MeasurementPage> {
    const page = await this.query.search(search);
    await this.log(search.patientId, resource, request);
    return page;
  }

  /** The latest value per code of one patient. */
  async lastPerCode(patientId: string, code: CodeFilter | undefined, resource: string, request: CommandMetadata): Promise<readonly MeasurementView[]> {
    const views = await this.query.lastPerCode(patientId, code);
    await this.log(patientId, resource, request);
    return views;
  }

  /** One patient's values of one code in time order. */
  async series(patientId: string, code: CodeFilter, range: { from?: string; to?: string; limit: number }, resource: string, request: CommandMetadata): Promise<readonly MeasurementView[]> {
    const views = await this.query.series(patientId, code, range.from, range.to, range.limit);
    await this.log(patientId, resource, request);
    return views;
  }

  /**
   * One measurement as it reads now (or at `version`), folded from its stream (the truth, even before the
   * read model caught up); `authorise` sees the patient before anything is logged or shown.
   */
  async one(measurementId: string, version: number | undefined, authorise: (patientId: string) => void, request: CommandMetadata): Promise<MeasurementView> {
    const view = await this.streams.current(measurementId, version);
    if (!view || (version !== undefined && view.version !== version)) throw new NotFoundError(`Observation/${measurementId}${version ? `/_history/${version}` : ''} does not exist`);
    authorise(view.patientId);
    await this.log(view.patientId, `Observation/${measurementId}${version ? `/_history/${version}` : ''}`, request);
    return view;
  }

  /** One Observation by id: a measurement as it reads now, or a stream chunk; authorised and logged like {@link one}. */
  async observation(id: string, authorise: (patientId: string) => void, request: CommandMetadata): Promise<{ kind: 'measurement'; view: MeasurementView } | { kind: 'chunk'; chunk: StoredEvent<SampleChunkEvent> }> {
    const view = await this.streams.current(id);
    const chunk = view ? undefined : await this.streams.chunk(id);
    const patientId = view?.patientId ?? chunk?.data.patientId;
    if (!patientId) throw new NotFoundError(`Observation/${id} does not exist`);
    authorise(patientId);
    await this.log(patientId, `Observation/${id}`, request);
    return view ? { kind: 'measurement', view } : { kind: 'chunk', chunk: chunk! };
  }

  /** The stream chunks of one patient and code with samples in [from, to) (epoch ms), in time order. */
  async streamChunks(stream: StreamKey, from: number, to: number, resource: string, request: CommandMetadata): Promise<readonly StoredChunk[]> {
    const chunks = await this.chunks.overlapping(stream, from, to);
    await this.log(stream.patientId, resource, request);
    return chunks;
  }

  private log(patientId: string, resource: string, request: CommandMetadata): Promise<void> {
    return this.accessLog.recordReads('measurements', [patientId], { purpose: PURPOSE, resource }, request);
  }
}
