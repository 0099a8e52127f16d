import { STATUS_CODES } from 'node:http';
import { Body, Controller, Headers, HttpCode, HttpException, Inject, Post } from '@nestjs/common';
import type { Bundle, BundleEntry, OperationOutcome } from '@medplum/fhirtypes';
import { Access, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { ForbiddenError, ValidationError, VardeError, type CommandMetadata, type FieldIssue } from '@varde/core';
import { deterministicId } from '@varde/event-sourcing';
import { FhirHttpError, toHttpError, versionTag } from '@varde/fhir';
import { commandMetadataFrom, LOGGER, type MetadataHeaders } from '@varde/platform';
import type { Logger } from '@varde/telemetry';
import { MeasurementReader } from '../application/measurement.reader';
import type { MeasurementView } from '../application/measurement.view';
import { measurementIdOf } from '../application/record-measurement.command';
import { RecordMeasurementsHandler, type Entry, type EntryOutcome, type EntryWork } from '../application/record-measurements.handler';
import { chunkIdOf } from '../application/record-sample-chunk.handler';
import { entryRequest, validateBundleEnvelope, type BundleEntryRequest } from './bundle.validation';
import { conditionalId } from './conditional-create';
import { LogicalSubjects } from './logical-subject';
import { authorisedSubmission, MeasurementSubmission, type Authorise } from './measurement-submission';
import { ObservationIntake, relocate } from './observation.intake';
import { ObservationAnswers, type Recorded } from './observation-answers';
import { ObservationUpdates, withIssuesMoved, type SubjectResolver } from './observation-updates';

/** DI token of the most entries one Bundle may carry. */
export const MAX_BUNDLE_ENTRIES = Symbol('MAX_BUNDLE_ENTRIES');

/**
 * An entry validated and authorised, with its command's metadata; or the measurement a conditional create found
 * (nothing to write); or why it was refused. `fullUrl` as sent, for `urn:uuid:` references in a transaction.
 */
type Prepared = Readonly<({ entry: Entry } | { found: MeasurementView } | { refused: unknown }) & { fullUrl?: string }>;

/** What an entry's resource is once its subject is resolved, and how the request is authorised. */
type EntryContext = Readonly<{ principal: Principal; authorise: Authorise; metadata: CommandMetadata; at: string; index: number }>;

/**
 * FHIR Bundles of Observations: `batch` (each entry on its own) and `transaction` (all or nothing). Entries
 * create (`POST`, conditionally with `ifNoneExist`) or update (`PUT Observation/<id>`, or the conditional
 * `PUT Observation?identifier=…`): an update of a recorded measurement is its correction. Every entry is
 * validated and authorised first; the point values and corrections are then decided together and appended in
 * one database transaction (see RecordMeasurementsHandler).
 */
@Controller('fhir')
export class BundlesHttpController {
  constructor(
    @Inject(RecordMeasurementsHandler) private readonly recorder: RecordMeasurementsHandler,
    @Inject(ObservationAnswers) private readonly answers: ObservationAnswers,
    @Inject(ObservationIntake) private readonly intake: ObservationIntake,
    @Inject(MeasurementSubmission) private readonly submission: MeasurementSubmission,
    @Inject(LogicalSubjects) private readonly subjects: LogicalSubjects,
    @Inject(MeasurementReader) private readonly reader: MeasurementReader,
    @Inject(ObservationUpdates) private readonly updates: ObservationUpdates,
    @Inject(MAX_BUNDLE_ENTRIES) private readonly maxEntries: number,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** `200` with a `batch-response` / `transaction-response` Bundle; a failed transaction is one OperationOutcome and writes nothing. */
  @Post()
  @Roles('patient', 'system', 'clinician')
  @Access('measurements', 'write', { patient: 'body' })
  @HttpCode(200)
  async process(@Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal): Promise<Bundle> {
    const entries = (body as { entry?: unknown } | null)?.entry;
    if (Array.isArray(entries) && entries.length > this.maxEntries) {
      throw new HttpException(`Bundle.entry: ${entries.length} entries, at most ${this.maxEntries} per Bundle; split it into several`, 413);
    }
    const bundle = validateBundleEnvelope(body);
    const metadata = commandMetadataFrom(principal, headers);
    const authorise = this.submission.forRequest(principal);
    const resolveSubject = this.subjects.forRequest(principal);
    // Each entry is its own command; ids derived from the request's keep an Idempotency-Key retry from writing twice.
    const prepared = await Promise.all(
      bundle.entry.map(async (entry, i): Promise<Prepared> => {
        const at = `Bundle.entry[${i}].resource`;
        try {
          const request = await withIssuesMoved(() => entryRequest(entry, i), (issue) => relocate(issue, `Bundle.entry[${i}]`));
          const fullUrl = request.fullUrl ? { fullUrl: request.fullUrl } : {};
          const context: EntryContext = { principal, authorise, metadata: { ...metadata, commandId: deterministicId(`${metadata.commandId}:entry:${i}`) }, at, index: i };
          const work = request.method === 'PUT' ? await this.update(request, context, resolveSubject) : await this.create(request, context, resolveSubject);
          return 'found' in work ? { found: work.found, ...fullUrl } : { entry: [work.work, context.metadata], ...fullUrl };
        } catch (refused) {
          return { refused };
        }
      }),
    );
    return bundle.type === 'batch' ? this.batch(prepared) : this.transaction(prepared);
  }

  /** A POST entry: the submission to record, or the measurement its `ifNoneExist` found. */
  private async create(request: BundleEntryRequest & { method: 'POST' }, context: EntryContext, resolveSubject: SubjectResolver): Promise<{ work: EntryWork } | { found: MeasurementView }> {
    const submission = await authorisedSubmission(context.authorise, this.intake.check(await resolveSubject(request.resource, context.at), context.at), context.at);
    if (request.ifNoneExist !== undefined) {
      const found = await this.reader.existingOf(submission.input.patientId, conditionalId(request.ifNoneExist), context.metadata);
      if (found) return { found };
    }
    return { work: submission };
  }

  /** A PUT entry: a correction, or a conditional update that creates (see ObservationUpdates). */
  private async update(request: BundleEntryRequest & { method: 'PUT' }, context: EntryContext, resolveSubject: SubjectResolver): Promise<{ work: EntryWork }> {
    const target = 'id' in request ? { id: request.id } : { condition: request.condition };
    const entry = `Bundle.entry[${context.index}].request`;
    const update = { resource: request.resource, target, ...(request.ifMatch ? { ifMatch: request.ifMatch } : {}), at: context.at, urlField: `${entry}.url`, ifMatchField: `${entry}.ifMatch` };
    return { work: await this.updates.prepare(update, { ...context, resolveSubject }) };
  }

  private async batch(prepared: readonly Prepared[]): Promise<Bundle> {
    const { entries, byIndex } = toWrite(prepared);
    const outcomes = byIndex(await this.recorder.recordEach(entries, this.answers));
    const unexpected = (error: unknown): void => this.logger.error({ err: error }, 'unexpected error in a batch entry');
    return { resourceType: 'Bundle', type: 'batch-response', entry: prepared.map((p, i) => ('found' in p ? foundResponse(p.found) : responseOf('refused' in p ? p : outcomes.get(i)!, unexpected))) };
  }

  private async transaction(prepared: readonly Prepared[]): Promise<Bundle> {
    const refusedAs = (errors: readonly (unknown | undefined)[]): ValidationError => {
      const issues = errors.flatMap((error, i) => (error === undefined ? [] : issuesOf(error, `Bundle.entry[${i}].resource`)));
      return new ValidationError(issues, `the transaction was refused and nothing was recorded: ${issues.length} problem(s)`);
    };
    // An entry the caller may not write refuses the transaction as that: 403, not a 400 that hides the reason.
    const forbidden = prepared.flatMap((p) => ('refused' in p && p.refused instanceof ForbiddenError ? [p.refused] : []))[0];
    if (forbidden) throw forbidden;
    if (prepared.some((p) => 'refused' in p)) throw refusedAs(prepared.map((p) => ('refused' in p ? p.refused : undefined)));
    const overlapping = updatesOfTheSameObservation(prepared);
    if (overlapping.length > 0) throw new ValidationError(overlapping, `the transaction was refused and nothing was recorded: ${overlapping.length} problem(s)`);
    const resolved = resolveInternalReferences(prepared);
    const { entries, byIndex } = toWrite(resolved);
    const result = await this.recorder.recordAllOrNothing(entries, this.answers);
    if (!result.written) {
      const errors = byIndex(result.errors);
      throw refusedAs(resolved.map((_, i) => errors.get(i)));
    }
    const recorded = byIndex(result.recorded);
    return { resourceType: 'Bundle', type: 'transaction-response', entry: resolved.map((p, i) => ('found' in p ? foundResponse(p.found) : created(recorded.get(i)!))) };
  }
}

/**
 * The entries that are to be written, and `byIndex`, which keys the use case's answers for them (one per entry, in
 * their order) by the entry's index in the Bundle.
 */
function toWrite(prepared: readonly Prepared[]): { entries: Entry[]; byIndex: <T>(answers: readonly T[]) => Map<number, T> } {
  const writes = prepared.flatMap((p, i) => ('entry' in p ? [{ i, entry: p.entry }] : []));
  return { entries: writes.map((w) => w.entry), byIndex: (answers) => new Map(writes.map((w, k) => [w.i, answers[k]!])) };
}

const statusLine = (status: number): string => `${status} ${STATUS_CODES[status] ?? ''}`.trim();

/**
 * A batch entry's response: created or found, or its refusal as an OperationOutcome. An unexpected error is that
 * entry's 500 (and logged): batch entries stand alone, so it fails no other.
 */
function responseOf(outcome: EntryOutcome<Recorded>, unexpected: (error: unknown) => void): BundleEntry {
  if ('recorded' in outcome) return created(outcome.recorded);
  const mapped = toHttpError(outcome.refused, true);
  if (mapped.unexpected) unexpected(outcome.refused);
  return { response: { status: statusLine(mapped.status), outcome: mapped.body as OperationOutcome } };
}

/** A conditional create's match: `200`, nothing written. */
const foundResponse = (view: MeasurementView): BundleEntry => ({
  response: { status: statusLine(200), location: `Observation/${view.measurementId}/_history/${view.version}`, etag: versionTag(view.version), lastModified: view.lastUpdated },
});

/** The id an entry has once recorded: derived from its content, so known before anything is written. */
const entryId = (p: Prepared): string | undefined => {
  if ('found' in p) return p.found.measurementId;
  if (!('entry' in p)) return undefined;
  const work = p.entry[0];
  return work.kind === 'point' ? measurementIdOf(work.input) : work.kind === 'chunk' ? chunkIdOf(work.input) : work.correction.id;
};

/**
 * R4 transaction processing: a reference to another entry's `fullUrl` (`urn:uuid:…`) is replaced by
 * `Observation/<id>` of that entry, in the resource as it is stored. A `urn:uuid:` reference that names no entry
 * refuses the transaction.
 */
function resolveInternalReferences(prepared: readonly Prepared[]): readonly Prepared[] {
  const targets = new Map(prepared.flatMap((p) => { const id = entryId(p); return p.fullUrl?.startsWith('urn:uuid:') && id ? [[p.fullUrl, `Observation/${id}`] as const] : []; }));
  const issues: FieldIssue[] = [];
  const resolved = prepared.map((p, i): Prepared => {
    if (!('entry' in p) || p.entry[0].kind !== 'point' || !p.entry[0].input.resource) return p;
    const [submission, metadata] = p.entry;
    const rewrite = (node: unknown, path: string): unknown => {
      if (Array.isArray(node)) return node.map((n, k) => rewrite(n, `${path}[${k}]`));
      if (typeof node !== 'object' || node === null) return node;
      return Object.fromEntries(Object.entries(node).map(([key, value]) => {
        if (key !== 'reference' || typeof value !== 'string' || !value.startsWith('urn:uuid:')) return [key, rewrite(value, `${path}.${key}`)];
        const target = targets.get(value);
        if (!target) issues.push({ field: `${path}.reference`, message: `${value.slice(0, 60)} is the fullUrl of no entry of this transaction` });
        return [key, target ?? value];
      }));
    };
    const resource = rewrite(submission.input.resource, `Bundle.entry[${i}].resource`) as typeof submission.input.resource;
    return { ...p, entry: [{ ...submission, input: { ...submission.input, resource } }, metadata] };
  });
  if (issues.length > 0) throw new ValidationError(issues, `the transaction was refused and nothing was recorded: ${issues.length} problem(s)`);
  return resolved;
}

const created = (result: Recorded): BundleEntry => ({
  response: { status: statusLine(result.created ? 201 : 200), location: `Observation/${result.id}`, lastModified: result.recordedTime },
});

/**
 * R4 fails a transaction whose entries' resource identities overlap where one of them updates: each Observation is
 * corrected at most once per transaction, and not also created by it. (Two creates of the same identifier keep
 * the resend rule: the same content is one measurement.)
 */
function updatesOfTheSameObservation(prepared: readonly Prepared[]): FieldIssue[] {
  const firstEntry = new Map<string, number>();
  return prepared.flatMap((p, i): FieldIssue[] => {
    const id = entryId(p);
    if (id === undefined) return [];
    const earlier = firstEntry.get(id);
    if (earlier === undefined) {
      firstEntry.set(id, i);
      return [];
    }
    const updates = (q: Prepared) => 'entry' in q && q.entry[0].kind === 'correction';
    return updates(p) || updates(prepared[earlier]!) ? [{ field: `Bundle.entry[${i}].request.url`, message: `Observation/${id} is also written by entry ${earlier}; a transaction writes each resource once: send the correction in its own Bundle` }] : [];
  });
}

/** A refused entry's problems as issues naming the entry; errors other than validation keep their message. */
function issuesOf(error: unknown, at: string): FieldIssue[] {
  if (error instanceof ValidationError) return [...error.issues];
  if (error instanceof FhirHttpError) return [{ field: at, message: error.message }];
  if (error instanceof VardeError) return [{ field: at, message: error.message.replace(/^Observation(?=[.:])/, at) }];
  throw error;
}
