import { STATUS_CODES } from 'node:http';
import { Body, Controller, Headers, HttpCode, HttpException, Inject, Post } from '@nestjs/common';
import type { Bundle, BundleEntry, OperationOutcome } from '@medplum/fhirtypes';
import { Access, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { ValidationError, VardeError, type FieldIssue } from '@varde/core';
import { deterministicId } from '@varde/event-sourcing';
import { toHttpError } from '@varde/fhir';
import { commandMetadataFrom, LOGGER, type MetadataHeaders } from '@varde/platform';
import type { Logger } from '@varde/telemetry';
import { entryResource, validateBundleEnvelope } from './bundle.validation';
import { LogicalSubjects } from './logical-subject';
import { MeasurementSubmission } from './measurement-submission';
import { ObservationIntake, relocate } from './observation.intake';
import { ObservationRecorder, type Entry, type EntryOutcome, type Recorded } from './observation-recorder';

/** DI token of the most entries one Bundle may carry. */
export const MAX_BUNDLE_ENTRIES = Symbol('MAX_BUNDLE_ENTRIES');

/** An entry validated and authorised, with its command's metadata, or why it was refused. */
type Prepared = Readonly<{ entry: Entry } | { refused: unknown }>;

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
          const resource = await resolveSubject(locate(() => entryResource(entry, i), `Bundle.entry[${i}]`), at);
          const submission = await this.recorder.authorise(authorise, this.intake.check(resource, at), at);
          return { entry: [submission, { ...metadata, commandId: deterministicId(`${metadata.commandId}:entry:${i}`) }] };
        } catch (refused) {
          return { refused };
        }
      }),
    );
    return bundle.type === 'batch' ? this.batch(prepared) : this.transaction(prepared);
  }

  private async batch(prepared: readonly Prepared[]): Promise<Bundle> {
    const valid = prepared.flatMap((p, i) => ('entry' in p ? [{ i, entry: p.entry }] : []));
    const recorded = await this.recorder.recordEach(valid.map((v) => v.entry));
    const outcomes = new Map(valid.map((v, k) => [v.i, recorded[k]!]));
    const unexpected = (error: unknown): void => this.logger.error({ err: error }, 'unexpected error in a batch entry');
    return { resourceType: 'Bundle', type: 'batch-response', entry: prepared.map((p, i) => responseOf('refused' in p ? p : outcomes.get(i)!, unexpected)) };
  }

  private async transaction(prepared: readonly Prepared[]): Promise<Bundle> {
    const refusedAs = (errors: readonly (unknown | undefined)[]): ValidationError => {
      const issues = errors.flatMap((error, i) => (error === undefined ? [] : issuesOf(error, `Bundle.entry[${i}].resource`)));
      return new ValidationError(issues, `the transaction was refused and nothing was recorded: ${issues.length} problem(s)`);
    };
    const entries = prepared.flatMap((p) => ('entry' in p ? [p.entry] : []));
    if (entries.length < prepared.length) throw refusedAs(prepared.map((p) => ('refused' in p ? p.refused : undefined)));
    const result = await this.recorder.recordAllOrNothing(entries);
    if (!result.written) throw refusedAs(result.errors);
    return { resourceType: 'Bundle', type: 'transaction-response', entry: result.recorded.map(created) };
  }
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
  if (error instanceof VardeError) return [{ field: at, message: error.message.replace(/^Observation(?=[.:])/, at) }];
  throw error;
}
