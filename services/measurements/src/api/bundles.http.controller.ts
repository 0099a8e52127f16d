import { STATUS_CODES } from 'node:http';
import { Body, Controller, Headers, HttpCode, HttpException, Inject, Post } from '@nestjs/common';
import type { Bundle, BundleEntry, OperationOutcome } from '@medplum/fhirtypes';
import { Access, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { ValidationError, VardeError, type FieldIssue } from '@varde/core';
import { deterministicId } from '@varde/event-sourcing';
import { FhirHttpError, toHttpError, versionTag } from '@varde/fhir';
import { commandMetadataFrom, LOGGER, type MetadataHeaders } from '@varde/platform';
import type { Logger } from '@varde/telemetry';
import { MeasurementReader } from '../application/measurement.reader';
import type { MeasurementView } from '../application/measurement.view';
import { measurementIdOf } from '../application/record-measurement.command';
import { chunkIdOf } from '../application/record-sample-chunk.handler';
import { entryRequest, validateBundleEnvelope } from './bundle.validation';
import { conditionalId } from './conditional-create';
import { LogicalSubjects } from './logical-subject';
import { MeasurementSubmission } from './measurement-submission';
import { ObservationIntake, relocate } from './observation.intake';
import { ObservationRecorder, type Entry, type EntryOutcome, type Recorded } from './observation-recorder';

/** DI token of the most entries one Bundle may carry. */
export const MAX_BUNDLE_ENTRIES = Symbol('MAX_BUNDLE_ENTRIES');

/**
 * An entry validated and authorised, with its command's metadata; or the measurement a conditional create found
 * (nothing to write); or why it was refused. `fullUrl` as sent, for `urn:uuid:` references in a transaction.
 */
type Prepared = Readonly<({ entry: Entry } | { found: MeasurementView } | { refused: unknown }) & { fullUrl?: string }>;

/**
 * FHIR Bundles of Observations: `batch` (each entry on its own) and `transaction` (all or nothing). Every
 * entry is validated and authorised first; the point values are then decided together and appended in one
 * database transaction (see ObservationRecorder).
 */
@Controller('fhir')
export class BundlesHttpController {
  constructor(
    @Inject(ObservationRecorder) private readonly recorder: ObservationRecorder,
    @Inject(ObservationIntake) private readonly intake: ObservationIntake,
    @Inject(MeasurementSubmission) private readonly submission: MeasurementSubmission,
    @Inject(LogicalSubjects) private readonly subjects: LogicalSubjects,
    @Inject(MeasurementReader) private readonly reader: MeasurementReader,
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
          const request = locate(() => entryRequest(entry, i), `Bundle.entry[${i}]`);
          const fullUrl = request.fullUrl ? { fullUrl: request.fullUrl } : {};
          const resource = await resolveSubject(request.resource, at);
          const submission = await this.recorder.authorise(authorise, this.intake.check(resource, at), at);
          if (request.ifNoneExist !== undefined) {
            const found = await this.reader.existingOf(submission.input.patientId, conditionalId(request.ifNoneExist), metadata);
            if (found) return { found, ...fullUrl };
          }
          return { entry: [submission, { ...metadata, commandId: deterministicId(`${metadata.commandId}:entry:${i}`) }], ...fullUrl };
        } catch (refused) {
          return { refused };
        }
      }),
    );
    return bundle.type === 'batch' ? this.batch(prepared) : this.transaction(prepared);
  }

  private async batch(prepared: readonly Prepared[]): Promise<Bundle> {
    const { entries, byIndex } = toWrite(prepared);
    const outcomes = byIndex(await this.recorder.recordEach(entries));
    const unexpected = (error: unknown): void => this.logger.error({ err: error }, 'unexpected error in a batch entry');
    return { resourceType: 'Bundle', type: 'batch-response', entry: prepared.map((p, i) => ('found' in p ? foundResponse(p.found) : responseOf('refused' in p ? p : outcomes.get(i)!, unexpected))) };
  }

  private async transaction(prepared: readonly Prepared[]): Promise<Bundle> {
    const refusedAs = (errors: readonly (unknown | undefined)[]): ValidationError => {
      const issues = errors.flatMap((error, i) => (error === undefined ? [] : issuesOf(error, `Bundle.entry[${i}].resource`)));
      return new ValidationError(issues, `the transaction was refused and nothing was recorded: ${issues.length} problem(s)`);
    };
    if (prepared.some((p) => 'refused' in p)) throw refusedAs(prepared.map((p) => ('refused' in p ? p.refused : undefined)));
    const resolved = resolveInternalReferences(prepared);
    const { entries, byIndex } = toWrite(resolved);
    const result = await this.recorder.recordAllOrNothing(entries);
    if (!result.written) {
      const errors = byIndex(result.errors);
      throw refusedAs(resolved.map((_, i) => errors.get(i)));
    }
    const recorded = byIndex(result.recorded);
    return { resourceType: 'Bundle', type: 'transaction-response', entry: resolved.map((p, i) => ('found' in p ? foundResponse(p.found) : created(recorded.get(i)!))) };
  }
}

/**
 * The entries that are to be written, and `byIndex`, which keys the recorder's answers for them (one per entry, in
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
function responseOf(outcome: EntryOutcome, unexpected: (error: unknown) => void): BundleEntry {
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
const entryId = (p: Prepared): string | undefined =>
  'found' in p ? p.found.measurementId : 'entry' in p ? (p.entry[0].kind === 'point' ? measurementIdOf(p.entry[0].input) : chunkIdOf(p.entry[0].input)) : undefined;

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

/** Runs `parse`, moving its issues from `body` to the entry they concern. */
function locate<T>(parse: () => T, at: string): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ValidationError) throw new ValidationError(error.issues.map((i) => relocate(i, at)));
    throw error;
  }
}

/** A refused entry's problems as issues naming the entry; errors other than validation keep their message. */
function issuesOf(error: unknown, at: string): FieldIssue[] {
  if (error instanceof ValidationError) return [...error.issues];
  if (error instanceof FhirHttpError) return [{ field: at, message: error.message }];
  if (error instanceof VardeError) return [{ field: at, message: error.message.replace(/^Observation(?=[.:])/, at) }];
  throw error;
}
