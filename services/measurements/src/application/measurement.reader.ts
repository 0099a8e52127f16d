import { AccessLog, EnrolmentDirectory } from '@varde/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { AccessDecision, Principal } from '@varde/auth';
import { NotFoundError, type CommandMetadata } from '@varde/core';
import type { StoredEvent } from '@varde/event-sourcing';
import type { SampleChunkEvent } from '../domain/sample-chunk.events';
import { MeasurementSearchQuery, type CodeFilter, type MeasurementPage, type MeasurementSearch } from './measurement-search.port';
import { MeasurementQuery } from './measurement.query';
import type { MeasurementView } from './measurement.view';
import { SampleChunksReadModel, type StoredChunk, type StreamKey } from './sample-chunks.port';

/** Why measurements are read, as written to the patient's access log. */
const PURPOSE = 'measurements';

/** Who is reading, and the request metadata their reads are logged under. */
export type Reading = Readonly<{ principal: Principal; request: CommandMetadata }>;

/**
 * Every read of measurements goes through here: the caller is authorised for the patient (a clinician only
 * for patients of their care teams, asked of pathways), the data is fetched, the patient shown is written to
 * the access log (sharing), and only then is anything returned. If the log cannot be written, nothing is
 * shown (503).
 */
@Injectable()
export class MeasurementReader {
  constructor(
    @Inject(MeasurementSearchQuery) private readonly query: MeasurementSearchQuery,
    @Inject(MeasurementQuery) private readonly streams: MeasurementQuery,
    @Inject(AccessLog) private readonly accessLog: AccessLog,
    @Inject(SampleChunksReadModel) private readonly chunks: SampleChunksReadModel,
    @Inject(EnrolmentDirectory) private readonly enrolments: EnrolmentDirectory,
  ) {}

  /** A page of one patient's measurements. */
  async search(search: MeasurementSearch, resource: string, reading: Reading): Promise<MeasurementPage> {
    const { reason } = await this.authorise(reading.principal, search.patientId);
    const page = await this.query.search(search);
    await this.log(search.patientId, resource, reading.request, reason);
    return page;
  }

  /** The latest `max` values per code of one patient. */
  async lastPerCode(patientId: string, codes: readonly CodeFilter[], max: number, resource: string, reading: Reading): Promise<readonly MeasurementView[]> {
    const { reason } = await this.authorise(reading.principal, patientId);
    const views = await this.query.lastPerCode(patientId, codes, max);
    await this.log(patientId, resource, reading.request, reason);
    return views;
  }

  /** One patient's values of one code in time order. */
  async series(patientId: string, code: CodeFilter, range: { from?: string; to?: string; limit: number }, resource: string, reading: Reading): Promise<readonly MeasurementView[]> {
    const { reason } = await this.authorise(reading.principal, patientId);
    const views = await this.query.series(patientId, code, range.from, range.to, range.limit);
    await this.log(patientId, resource, reading.request, reason);
    return views;
  }

  /**
   * One measurement as it reads now (or at `version`), folded from its stream (the truth, even before the
   * read model caught up); the caller is authorised for its patient before anything is logged or shown.
   */
  async one(measurementId: string, version: number | undefined, reading: Reading): Promise<MeasurementView> {
    const view = await this.streams.current(measurementId, version);
    if (!view || (version !== undefined && view.version !== version)) throw new NotFoundError(`Observation/${measurementId}${version ? `/_history/${version}` : ''} does not exist`);
    const { reason } = await this.authorise(reading.principal, view.patientId);
    await this.log(view.patientId, `Observation/${measurementId}${version ? `/_history/${version}` : ''}`, reading.request, reason);
    return view;
  }

  /** One Observation by id: a measurement as it reads now, or a stream chunk; authorised and logged like {@link one}. */
  async observation(id: string, reading: Reading): Promise<{ kind: 'measurement'; view: MeasurementView } | { kind: 'chunk'; chunk: StoredEvent<SampleChunkEvent> }> {
    const view = await this.streams.current(id);
    const chunk = view ? undefined : await this.streams.chunk(id);
    const patientId = view?.patientId ?? chunk?.data.patientId;
    if (!patientId) throw new NotFoundError(`Observation/${id} does not exist`);
    const { reason } = await this.authorise(reading.principal, patientId);
    await this.log(patientId, `Observation/${id}`, reading.request, reason);
    return view ? { kind: 'measurement', view } : { kind: 'chunk', chunk: chunk! };
  }

  /** The stream chunks of one patient and code with samples in [from, to) (epoch ms), in time order. */
  async streamChunks(stream: StreamKey, from: number, to: number, resource: string, reading: Reading): Promise<readonly StoredChunk[]> {
    const { reason } = await this.authorise(reading.principal, stream.patientId);
    const chunks = await this.chunks.overlapping(stream, from, to);
    await this.log(stream.patientId, resource, reading.request, reason);
    return chunks;
  }

  /**
   * Throws ForbiddenError unless the policy lets the caller see the patient's measurements: a clinician only on the
   * patient's care team (or under an emergency access) and not blocked by the patient; a guardian within the age
   * rules (EnrolmentDirectory.authorise, sharing's policy decision point). Resolves to the permit.
   */
  async authorise(principal: Principal, patientId: string): Promise<AccessDecision> {
    return (await this.enrolments.authorise(principal, 'measurements', 'read', patientId)).decision;
  }

  /**
   * Logs a resend answered with the Observation as first stored (which may differ from what this caller sent, e.g.
   * another device's reading with the same identifier): showing it is a read (the caller was authorised to write).
   */
  async resent(patientId: string, observationId: string, request: CommandMetadata): Promise<void> {
    await this.log(patientId, `Observation/${observationId}`, request);
  }

  /**
   * The measurement `id` of `patientId` when there is one (a conditional create's match), logged as shown like
   * {@link resent}: the caller was authorised to write for that patient. Another patient's is not revealed.
   */
  async existingOf(patientId: string, id: string, request: CommandMetadata): Promise<MeasurementView | undefined> {
    const view = await this.streams.current(id);
    if (!view || view.patientId !== patientId) return undefined;
    await this.log(patientId, `Observation/${id}`, request);
    return view;
  }

  private log(patientId: string, resource: string, request: CommandMetadata, reason?: string): Promise<void> {
    return this.accessLog.recordReads('measurements', [patientId], { purpose: PURPOSE, resource, ...(reason ? { reason } : {}) }, request);
  }
}
