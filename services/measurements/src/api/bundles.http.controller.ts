import { STATUS_CODES } from 'node:http';
import { Body, Controller, Headers, HttpCode, HttpException, Inject, Post } from '@nestjs/common';
import type { Bundle, BundleEntry, OperationOutcome } from '@medplum/fhirtypes';
import { CurrentPrincipal, Roles, type Principal } from '@varde/auth';
import { ValidationError, VardeError, type CommandMetadata, type FieldIssue } from '@varde/core';
import { deterministicId } from '@varde/event-sourcing';
import { toHttpError } from '@varde/fhir';
import { commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import { entryResource, validateBundleEnvelope } from './bundle.validation';
import { MeasurementSubmission } from './measurement-submission';
import { ObservationIntake, relocate } from './observation.intake';
import { ObservationRecorder, type Recorded, type Submission } from './observation-recorder';

/** DI token of the most entries one Bundle may carry. */
export const MAX_BUNDLE_ENTRIES = Symbol('MAX_BUNDLE_ENTRIES');

// Entries of a batch are independent; a few at a time keep the pool busy without starving other requests.
const BATCH_PARALLELISM = 8;

/** FHIR Bundles of Observations: `batch` (each entry on its own) and `transaction` (all or nothing). */
@Controller('fhir')
export class BundlesHttpController {
  constructor(
    @Inject(ObservationRecorder) private readonly recorder: ObservationRecorder,
    @Inject(ObservationIntake) private readonly intake: ObservationIntake,
    @Inject(MeasurementSubmission) private readonly submission: MeasurementSubmission,
    @Inject(MAX_BUNDLE_ENTRIES) private readonly maxEntries: number,
  ) {}

  /** `200` with a `batch-response` / `transaction-response` Bundle; a failed transaction is one OperationOutcome and writes nothing. */
  @Post()
  @Roles('patient', 'system', 'clinician')
  @HttpCode(200)
  async process(@Body() body: unknown, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal): Promise<Bundle> {
    const entries = (body as { entry?: unknown } | null)?.entry;
    if (Array.isArray(entries) && entries.length > this.maxEntries) {
      throw new HttpException(`Bundle.entry: ${entries.length} entries, at most ${this.maxEntries} per Bundle; split it into several`, 413);
    }
    const bundle = validateBundleEnvelope(body);
    const metadata = commandMetadataFrom(principal, headers);
    // Each entry is its own command; ids derived from the request's keep an Idempotency-Key retry from writing twice.
    const entryMetadata = (i: number): CommandMetadata => ({ ...metadata, commandId: deterministicId(`${metadata.commandId}:entry:${i}`) });
    const authorise = this.submission.forRequest(principal, String(headers['authorization']));
    const prepare = async (entry: unknown, i: number): Promise<Submission> => {
      const at = `Bundle.entry[${i}].resource`;
      const resource = locate(() => entryResource(entry, i), `Bundle.entry[${i}]`);
      return this.recorder.authorise(authorise, this.intake.check(resource, at), at);
    };
    return bundle.type === 'batch' ? this.batch(bundle.entry, prepare, entryMetadata) : this.transaction(bundle.entry, prepare, entryMetadata);
  }

  private async batch(entries: readonly unknown[], prepare: (entry: unknown, i: number) => Promise<Submission>, metadata: (i: number) => CommandMetadata): Promise<Bundle> {
    const responses: BundleEntry[] = new Array(entries.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < entries.length; i = next++) {
        try {
          responses[i] = created(await this.recorder.record(await prepare(entries[i], i), metadata(i)));
        } catch (error) {
          const mapped = toHttpError(error, true);
          if (mapped.unexpected) throw error;
          responses[i] = { response: { status: statusLine(mapped.status), outcome: mapped.body as OperationOutcome } };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(BATCH_PARALLELISM, entries.length) }, worker));
    return { resourceType: 'Bundle', type: 'batch-response', entry: responses };
  }

  private async transaction(entries: readonly unknown[], prepare: (entry: unknown, i: number) => Promise<Submission>, metadata: (i: number) => CommandMetadata): Promise<Bundle> {
    const issues: FieldIssue[] = [];
    const inputs: (readonly [Submission, CommandMetadata])[] = [];
    for (const [i, entry] of entries.entries()) {
      try {
        inputs.push([await prepare(entry, i), metadata(i)]);
      } catch (error) {
        issues.push(...issuesOf(error, `Bundle.entry[${i}].resource`));
      }
    }
    if (issues.length === 0) {
      (await this.recorder.checkAll(inputs)).forEach((error, i) => error !== undefined && issues.push(...issuesOf(error, `Bundle.entry[${i}].resource`)));
    }
    if (issues.length > 0) throw new ValidationError(issues, `the transaction was refused and nothing was recorded: ${issues.length} problem(s)`);
    const results: Recorded[] = [];
    for (const [input, meta] of inputs) results.push(await this.recorder.record(input, meta));
    return { resourceType: 'Bundle', type: 'transaction-response', entry: results.map(created) };
  }
}

const statusLine = (status: number): string => `${status} ${STATUS_CODES[status] ?? ''}`.trim();

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
