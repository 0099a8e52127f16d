/** A problem in one field of the input: the path and what was expected (and, in an authored document such as a rule set, the line and column). */
export type FieldIssue = Readonly<{ field: string; message: string; line?: number; column?: number }>;

/** A recorded thing a refusal is about, as its domain speaks of it: `{ thing: 'measurement', id: 'm-1' }`, said `measurement m-1`. */
export type Subject = Readonly<{ thing: string; id: string }>;

/** A subject as its domain says it: `measurement m-1`. */
export const saidOf = (subject: Subject): string => `${subject.thing} ${subject.id}`;

/**
 * How an edge names what a domain speaks of: the fields (the domain says `value`, the FHIR edge of measurements
 * `Observation.valueQuantity.value`) and, with `subject`, the recorded things (`measurement m-1`, `Observation/m-1`).
 * A name it does not know comes back as the domain says it.
 */
export type FieldNames = ((field: string) => string) & { readonly subject?: (subject: Subject) => string };

/** `reason` about `subject` when there is one, the subject named by `names` (else as the domain says it). */
const about = (reason: string, subject: Subject | undefined, names: FieldNames | undefined): string =>
  subject === undefined ? reason : `${names?.subject?.(subject) ?? saidOf(subject)} ${reason}`;

/** Base of the typed errors that are mapped once to HTTP and gRPC status codes. */
export abstract class VardeError extends Error {
  abstract readonly kind: 'validation' | 'illegal-state' | 'not-found' | 'concurrency' | 'unauthorized' | 'forbidden' | 'unavailable' | 'unprocessable';
  /** The same error with the fields it names renamed by the edge (domains speak their own names); unchanged when it names none. */
  withFieldNames(_names: FieldNames): VardeError {
    return this;
  }
}

/** Input that does not fit: 400 / INVALID_ARGUMENT. */
export class ValidationError extends VardeError {
  readonly kind = 'validation' as const;
  constructor(
    readonly issues: readonly FieldIssue[],
    message = issues.map((i) => `${i.field}: ${i.message}`).join('; '),
  ) {
    super(message);
    this.name = 'ValidationError';
  }
  /** One issue on one field. */
  static field(field: string, message: string): ValidationError {
    return new ValidationError([{ field, message }]);
  }
  override withFieldNames(names: FieldNames): ValidationError {
    const issues = this.issues.map((i) => ({ ...i, field: names(i.field) }));
    // A message of its own (a summary) stays; the one made of the issues is made again of the renamed ones.
    return new ValidationError(issues, this.message === issueList(this.issues) ? issueList(issues) : this.message);
  }
}

const issueList = (issues: readonly FieldIssue[]): string => issues.map((i) => `${i.field}: ${i.message}`).join('; ');

/**
 * A command that is not allowed in the current state: 409 / FAILED_PRECONDITION. With `field`, the message
 * starts with the field it is about (`identifier: …`); with `subject`, the reason is said of it (`measurement m-1 is …`).
 */
export class IllegalStateError extends VardeError {
  readonly kind = 'illegal-state' as const;
  constructor(
    /** What is wrong, without the field or the subject. */
    readonly reason: string,
    readonly field?: string,
    readonly subject?: Subject,
    /** How the subject is named in the message (an edge's names); the domain's words without. */
    names?: FieldNames,
  ) {
    const text = about(reason, subject, names);
    super(field === undefined ? text : `${field}: ${text}`);
    this.name = 'IllegalStateError';
  }
  /** `reason` said of `subject`: `IllegalStateError.about(measurement, 'is already entered-in-error')`. */
  static about(subject: Subject, reason: string, field?: string): IllegalStateError {
    return new IllegalStateError(reason, field, subject);
  }
  override withFieldNames(names: FieldNames): IllegalStateError {
    return this.field === undefined && this.subject === undefined ? this : new IllegalStateError(this.reason, this.field === undefined ? undefined : names(this.field), this.subject, names);
  }
}

/** One field in which a resend differs from what was recorded, and how (`81 → 82`, `other samples`). */
export type FieldDifference = Readonly<{ field: string; change: string }>;

/**
 * The resend rule, one way for every service: content sent again under an identifier already recorded changes
 * nothing when it is the same, and is refused (409) when it differs, naming each differing field — a new
 * identifier is a new `thing`. The differing fields are named within the resource `field` belongs to.
 */
export class ResentWithOtherContentError extends IllegalStateError {
  constructor(
    field: string,
    readonly differences: readonly FieldDifference[],
    readonly thing: string,
  ) {
    super(`this identifier was already recorded with different content (${differences.map((d) => `${d.field}: ${d.change}`).join('; ')}); send a new identifier for a new ${thing}`, field);
    this.name = 'ResentWithOtherContentError';
  }
  override withFieldNames(names: FieldNames): ResentWithOtherContentError {
    const field = names(this.field!);
    // `Observation.identifier` names its resource; the fields that differ are elements of it, named from there.
    const within = field.slice(0, field.lastIndexOf('.') + 1);
    const inResource = (name: string): string => (within && name.startsWith(within) ? name.slice(within.length) : name);
    return new ResentWithOtherContentError(field, this.differences.map((d) => ({ ...d, field: inResource(names(d.field)) })), this.thing);
  }
}

/** What differs between a recorded and a resent value of each field (compared and shown as JSON; `absent` when missing). */
export function fieldDifferences(pairs: readonly (readonly [field: string, recorded: unknown, resent: unknown])[]): FieldDifference[] {
  const show = (value: unknown): string => JSON.stringify(value) ?? 'absent';
  return pairs.filter(([, was, now]) => show(was) !== show(now)).map(([field, was, now]) => ({ field, change: `${show(was)} → ${show(now)}` }));
}

/**
 * Well-formed input the service understands but cannot act on (an organisation it does not know, the withdrawal
 * of a consent never given): 422 / FAILED_PRECONDITION. Like {@link ValidationError} it names the field.
 */
export class UnprocessableError extends VardeError {
  readonly kind = 'unprocessable' as const;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'UnprocessableError';
  }
  override withFieldNames(names: FieldNames): UnprocessableError {
    return new UnprocessableError(names(this.field), this.message.slice(this.field.length + 2));
  }
}

/** Something referenced does not exist: 404 / NOT_FOUND. With `subject`, the reason is said of it (`questionnaire q-1 does not exist`). */
export class NotFoundError extends VardeError {
  readonly kind = 'not-found' as const;
  constructor(
    readonly reason: string,
    readonly subject?: Subject,
    /** How the subject is named in the message (an edge's names); the domain's words without. */
    names?: FieldNames,
  ) {
    super(about(reason, subject, names));
    this.name = 'NotFoundError';
  }
  /** `reason` said of `subject`: `NotFoundError.about(questionnaire, 'does not exist')`. */
  static about(subject: Subject, reason: string): NotFoundError {
    return new NotFoundError(reason, subject);
  }
  override withFieldNames(names: FieldNames): NotFoundError {
    return this.subject === undefined ? this : new NotFoundError(this.reason, this.subject, names);
  }
}

/** Someone else changed the stream first: 409 / ABORTED. With `subject`, the reason is said of it. */
export class ConcurrencyError extends VardeError {
  readonly kind = 'concurrency' as const;
  constructor(
    readonly reason: string,
    readonly subject?: Subject,
    /** How the subject is named in the message (an edge's names); the domain's words without. */
    names?: FieldNames,
  ) {
    super(about(reason, subject, names));
    this.name = 'ConcurrencyError';
  }
  /** `reason` said of `subject`: `ConcurrencyError.about(questionnaire, 'is at version 2, not at 1')`. */
  static about(subject: Subject, reason: string): ConcurrencyError {
    return new ConcurrencyError(reason, subject);
  }
  override withFieldNames(names: FieldNames): ConcurrencyError {
    return this.subject === undefined ? this : new ConcurrencyError(this.reason, this.subject, names);
  }
}

/** No or invalid credentials: 401 / UNAUTHENTICATED. */
export class UnauthorizedError extends VardeError {
  readonly kind = 'unauthorized' as const;
  constructor(message: string) {
    super(message);
    this.name = 'UnauthorizedError';
  }
}

/** Valid credentials that may not do this: 403 / PERMISSION_DENIED. */
export class ForbiddenError extends VardeError {
  readonly kind = 'forbidden' as const;
  /** `patientId`: the patient whose data was refused, when there is one (logged with the refusal, never answered). */
  constructor(
    message: string,
    readonly patientId?: string,
  ) {
    super(message);
    this.name = 'ForbiddenError';
  }
}

/** A dependency is down: 503 / UNAVAILABLE. */
export class UnavailableError extends VardeError {
  readonly kind = 'unavailable' as const;
  constructor(message: string) {
    super(message);
    this.name = 'UnavailableError';
  }
}
