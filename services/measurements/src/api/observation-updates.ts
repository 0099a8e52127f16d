import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '@varde/auth';
import { ValidationError, type FieldIssue } from '@varde/core';
import { ifMatchVersion, staleVersion } from '@varde/fhir';
import type { CommandMetadata } from '@varde/core';
import { MeasurementReader } from '../application/measurement.reader';
import { measurementIdOf } from '../application/record-measurement.command';
import type { EntryWork } from '../application/record-measurements.handler';
import { conditionalId } from './conditional-create';
import type { LogicalSubjects } from './logical-subject';
import { authorisedSubmission, type Authorise } from './measurement-submission';
import { ObservationCorrections } from './observation-corrections';
import { ObservationIntake, relocate } from './observation.intake';

// Statuses an update sends to correct a recorded Observation (as PUT /fhir/Observation/:id does).
const CORRECTION_STATUSES = new Set(['amended', 'corrected', 'entered-in-error']);

/** Resolves a resource's logical subject (see LogicalSubjects). */
export type SubjectResolver = ReturnType<LogicalSubjects['forRequest']>;

/** Runs `work`, its validation issues moved by `move` to where the request carries what they name. */
export async function withIssuesMoved<T>(work: () => T | Promise<T>, move: (issue: FieldIssue) => FieldIssue): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ValidationError) throw new ValidationError(error.issues.map(move));
    throw error;
  }
}

/**
 * An update of one Observation, as `PUT /fhir/Observation?identifier=…` or a Bundle's `PUT` entry sends it, with where
 * its parts are in the request (`at` the resource, `urlField` the id or condition, `ifMatchField` the If-Match), so
 * every problem names what the client wrote.
 */
export type ObservationUpdate = Readonly<{
  resource: unknown;
  target: Readonly<{ id: string } | { condition: string }>;
  ifMatch?: string | string[];
  at: string;
  urlField: string;
  ifMatchField: string;
}>;

/** Who sends the update and how their writes are authorised and their subjects resolved. */
export type UpdateContext = Readonly<{ principal: Principal; authorise: Authorise; resolveSubject: SubjectResolver; metadata: CommandMetadata }>;

/**
 * R4's update of an Observation, for the single interaction and for Bundle entries alike. Sent with a correction's
 * status (`amended`, `entered-in-error`), or to `Observation/<id>`, it corrects the Observation named. Otherwise it is
 * a conditional update that creates: its condition must name the Observation's own identifier, and, as for every
 * resend, the same content again changes nothing (200) while other content under a recorded identifier is refused
 * (409: correct it instead). With If-Match, an Observation at another version (or not recorded) is a 412.
 */
@Injectable()
export class ObservationUpdates {
  constructor(
    @Inject(ObservationIntake) private readonly intake: ObservationIntake,
    @Inject(MeasurementReader) private readonly reader: MeasurementReader,
    @Inject(ObservationCorrections) private readonly corrections: ObservationCorrections,
  ) {}

  /** The work the update asks for, validated and authorised, ready to record (see RecordMeasurementsHandler). */
  async prepare(update: ObservationUpdate, context: UpdateContext): Promise<EntryWork> {
    const expectedVersion = await withIssuesMoved(() => ifMatchVersion(update.ifMatch), (issue) => (issue.field === 'If-Match' ? { ...issue, field: update.ifMatchField } : issue));
    const id = 'id' in update.target ? update.target.id : conditionalId(update.target.condition, update.urlField);
    const status = (update.resource as { status?: unknown } | null)?.status;
    if ('id' in update.target || CORRECTION_STATUSES.has(String(status))) {
      return { kind: 'correction', correction: await withIssuesMoved(() => this.corrections.prepare(id, update.resource, context.principal, expectedVersion), (issue) => relocate(issue, update.at)) };
    }
    const submission = await authorisedSubmission(context.authorise, this.intake.check(await context.resolveSubject(update.resource, update.at), update.at), update.at);
    if (submission.kind !== 'point') throw ValidationError.field(update.urlField, 'a stream chunk is created with POST "Observation"; a conditional update takes a point value');
    if (measurementIdOf(submission.input) !== id) throw ValidationError.field(update.urlField, "the condition names another identifier than the Observation's first identifier");
    if (expectedVersion !== undefined) {
      const current = await this.reader.existingOf(submission.input.patientId, id, context.metadata);
      if (current?.version !== expectedVersion) throw staleVersion(`Observation/${id}`, current?.version, expectedVersion, update.ifMatchField);
    }
    return submission;
  }
}
