import { createParamDecorator, Inject, Injectable, Optional, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { UnauthorizedError, type Role } from '@varde/core';
import { ACCESS_KEY, type RouteAccess } from './access.decorator';
import { AUDIT_REASON_HEADER, parseAuditReason } from './audit-reason';
import { InsufficientScopeError } from './insufficient-scope.error';
import { rolesAllowed } from './access-policy';
import { assertRole } from './authorization';
import type { Principal } from './principal';
import { TokenVerifier } from './token-verifier';

/** Metadata key under which {@link Public} marks a route or controller. */
export const PUBLIC_KEY = 'varde:auth:public';
/** Metadata key under which {@link Roles} keeps a route's roles. */
export const ROLES_KEY = 'varde:auth:roles';

/** Opts a route or controller out of authentication (health, metrics). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);

const GRPC_USER_TOKENS_KEY = 'varde:auth:grpc-user-tokens';

/**
 * Lets a gRPC controller also be called with an end user's token (audience `OIDC_AUDIENCE`), e.g. triage's status and
 * worklist for the clinician UI's backend; without it a gRPC call needs a service token for this service (ADR 0013).
 */
export const AcceptsUserTokensOverGrpc = (): MethodDecorator & ClassDecorator => SetMetadata(GRPC_USER_TOKENS_KEY, true);

/** DI token of the verifier of service tokens: audience `varde-<this service>` (ADR 0013). */
export abstract class ServiceTokenVerifier extends TokenVerifier {}

/** Restricts a route or controller to the given roles; others get 403. */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES_KEY, roles);

/** Where the guard leaves the verified principal: the HTTP request, or the gRPC call's metadata. */
export type PrincipalHolder = { principal?: Principal };

type HttpRequest = PrincipalHolder & { headers: Record<string, string | string[] | undefined>; query?: unknown };
type GrpcMetadata = PrincipalHolder & { get(key: string): unknown[] };

function holderOf(context: ExecutionContext): { holder: PrincipalHolder; authorization: string | undefined } {
  switch (context.getType()) {
    case 'http': {
      const request = context.switchToHttp().getRequest<HttpRequest>();
      refuseTokenInQuery(request.query);
      return { holder: request, authorization: headerOf(context, 'authorization') };
    }
    case 'rpc':
      return { holder: context.switchToRpc().getContext<GrpcMetadata>(), authorization: headerOf(context, 'authorization') };
    default:
      throw new UnauthorizedError(`authentication is not supported for ${context.getType()} calls`);
  }
}

/** A request header of an HTTP call, or the (text) metadata entry of a gRPC call: both are lower-case keys. */
function headerOf(context: ExecutionContext, name: string): string | undefined {
  if (context.getType() === 'rpc') {
    const [value] = context.switchToRpc().getContext<GrpcMetadata>().get(name);
    return typeof value === 'string' ? value : undefined;
  }
  const header = context.switchToHttp().getRequest<HttpRequest>().headers[name];
  return Array.isArray(header) ? header[0] : header;
}

/** The principal the {@link AuthGuard} verified for this call. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const { principal } = holderOf(context).holder;
  // Only reachable on a @Public() route, where no token was checked: a programming error worth a clear 401.
  if (principal === undefined) throw new UnauthorizedError('this route needs an authenticated caller');
  return principal;
});

/** Verifies the bearer token of every call not marked {@link Public} and enforces {@link Roles}. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly reflector: Reflector,
    @Optional() @Inject(ServiceTokenVerifier) private readonly services?: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const { holder, authorization } = holderOf(context);
    const principal = context.getType() === 'rpc' ? await this.verifyGrpcCaller(authorization, targets) : await this.verifier.verify(authorization);
    holder.principal = principal;

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles !== undefined) assertRole(principal, ...roles);
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ACCESS_KEY, targets);
    if (access !== undefined) {
      if (!principal.scopes.includes(access.scope)) throw new InsufficientScopeError(access.scope);
      assertRole(principal, ...rolesAllowed(access.category, access.action));
      // Auditors are audited (issue #22): opening a patient's data takes a stated reason, which the access log keeps.
      // The same `audit-reason` key over HTTP (a header) and gRPC (call metadata).
      if (principal.role === 'auditor' && access.action === 'read' && access.patient !== 'none') parseAuditReason(headerOf(context, AUDIT_REASON_HEADER));
    }
    return true;
  }

  // A gRPC port answers other Varde services (a client-credentials token for this service's audience, role
  // `system`) and, where a controller says so, end users. Anything else is UNAUTHENTICATED: a token issued for
  // another callee, or an end user's where none is accepted, was not meant for this one.
  private async verifyGrpcCaller(authorization: string | undefined, targets: Parameters<Reflector['getAllAndOverride']>[1]): Promise<Principal> {
    const services = this.services ?? this.verifier;
    let failure: unknown;
    try {
      const principal = await services.verify(authorization);
      if (principal.role === 'system') return principal;
      failure = new UnauthorizedError(`a gRPC call needs a service token (client credentials, role system); this one is a ${principal.role}'s`);
    } catch (error) {
      failure = error;
    }
    if (this.reflector.getAllAndOverride<boolean>(GRPC_USER_TOKENS_KEY, targets)) return this.verifier.verify(authorization);
    throw failure;
  }
}

// RFC 6750 § 2.3 allows `?access_token=`, but URLs end up in proxy and server logs, browser history and Referer
// headers: a token there is a token leaked. Refused even when a valid header is sent too.
function refuseTokenInQuery(query: unknown): void {
  if (typeof query === 'object' && query !== null && Object.hasOwn(query, 'access_token')) {
    throw new UnauthorizedError("a token in the query string (access_token) is refused: URLs are logged; send the header 'Authorization: Bearer <token>'");
  }
}
