/** A problem in one field of the input: the path and what was expected (and, in an authored document such as a rule set, the line and column). */
export type FieldIssue = Readonly<{ field: string; message: string; line?: number; column?: number }>;

/** Base of the typed errors that are mapped once to HTTP and gRPC status codes. */
export abstract class VardeError extends Error {
  abstract readonly kind: 'validation' | 'illegal-state' | 'not-found' | 'concurrency' | 'unauthorized' | 'forbidden' | 'unavailable' | 'unprocessable';
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
}

/** A command that is not allowed in the current state: 409 / FAILED_PRECONDITION. */
export class IllegalStateError extends VardeError {
  readonly kind = 'illegal-state' as const;
  constructor(message: string) {
    super(message);
    this.name = 'IllegalStateError';
  }
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
}

/** Something referenced does not exist: 404 / NOT_FOUND. */
export class NotFoundError extends VardeError {
  readonly kind = 'not-found' as const;
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** Someone else changed the stream first: 409 / ABORTED. */
export class ConcurrencyError extends VardeError {
  readonly kind = 'concurrency' as const;
  constructor(message: string) {
    super(message);
    this.name = 'ConcurrencyError';
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
