import { createParamDecorator, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { UnauthorizedError, type Role } from '@varde/core';
import { ACCESS_KEY, type RouteAccess } from './access.decorator';
import { InsufficientScopeError } from './insufficient-scope.error';
import { rolesAllowed } from './access-policy';
import { assertRole } from './authorization';
import type { Principal } from './principal';
import { TokenVerifier } from './token-verifier';

const PUBLIC_KEY = 'varde:auth:public';
const ROLES_KEY = 'varde:auth:roles';

/** Opts a route or controller out of authentication (health, metrics). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);

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
      const header = request.headers.authorization;
      return { holder: request, authorization: Array.isArray(header) ? header[0] : header };
    }
    case 'rpc': {
      const metadata = context.switchToRpc().getContext<GrpcMetadata>();
      const [value] = metadata.get('authorization');
      return { holder: metadata, authorization: typeof value === 'string' ? value : undefined };
    }
    default:
      throw new UnauthorizedError(`authentication is not supported for ${context.getType()} calls`);
  }
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
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const { holder, authorization } = holderOf(context);
    const principal = await this.verifier.verify(authorization);
    holder.principal = principal;

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles !== undefined) assertRole(principal, ...roles);
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ACCESS_KEY, targets);
    if (access !== undefined) {
      if (!principal.scopes.includes(access.scope)) throw new InsufficientScopeError(access.scope);
      assertRole(principal, ...rolesAllowed(access.category, access.action));
    }
    return true;
  }
}

// RFC 6750 § 2.3 allows `?access_token=`, but URLs end up in proxy and server logs, browser history and Referer
// headers: a token there is a token leaked. Refused even when a valid header is sent too.
function refuseTokenInQuery(query: unknown): void {
  if (typeof query === 'object' && query !== null && Object.hasOwn(query, 'access_token')) {
    throw new UnauthorizedError("a token in the query string (access_token) is refused: URLs are logged; send the header 'Authorization: Bearer <token>'");
  }
}
