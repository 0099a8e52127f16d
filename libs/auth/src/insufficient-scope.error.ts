import { ForbiddenError } from '@varde/core';

/** A 403 because the token lacks a scope: carries the scope for the `WWW-Authenticate` challenge (RFC 6750 § 3.1). */
export class InsufficientScopeError extends ForbiddenError {
  constructor(readonly scope: string) {
    super(`the token lacks the scope "${scope}" this request needs`);
  }
}
