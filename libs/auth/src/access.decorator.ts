import { SetMetadata } from '@nestjs/common';
import { scopeFor, type AccessAction, type DataCategory } from './access-policy';

/**
 * Where a route finds the patient whose data it acts on: a path parameter, a query parameter, the body (a FHIR
 * resource's subject, checked by the handler), a field of a gRPC request message (`field`, checked by the handler),
 * the stored resource the path names (`resource`, checked by the handler once loaded), or `none` for a route about
 * no single patient (a catalogue, a list narrowed to the caller's care teams).
 */
export type PatientLocator = Readonly<{ param: string }> | Readonly<{ query: string }> | Readonly<{ field: string }> | 'body' | 'resource' | 'none';

/** A route's declared access policy: what it does with which category of data, and how to find the patient. */
export type RouteAccess = Readonly<{
  category: DataCategory;
  action: AccessAction;
  patient: PatientLocator;
  /** The scope a token needs; default `varde/<category>.<action>` ({@link scopeFor}). */
  scope: string;
}>;

/** Metadata key under which {@link Access} stores a route's {@link RouteAccess}. */
export const ACCESS_KEY = 'varde:auth:access';

/**
 * Declares a route's access policy, the one thing every route that is not {@link Public} must say:
 * ```ts
 * @Get(':patientId/care-plans')
 * @Access('enrolments', 'read', { patient: { param: 'patientId' } })
 * ```
 * The guard then refuses a token without the scope (403, `WWW-Authenticate: Bearer error="insufficient_scope"`) and a
 * role that no row of the policy table lets do this at all (403). The handler still asks
 * `assertAccess(principal, { category, action, patient: { id, careTeamId } })` once it knows the patient's care team;
 * the matrix test (tests/access) checks both against the policy table for every route the services register.
 */
export const Access = (
  category: DataCategory,
  action: AccessAction,
  options: Readonly<{ patient?: PatientLocator; scope?: string }> = {},
): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_KEY, { category, action, patient: options.patient ?? 'none', scope: options.scope ?? scopeFor(category, action) } satisfies RouteAccess);
