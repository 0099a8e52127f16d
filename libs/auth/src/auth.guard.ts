import { createParamDecorator, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { UnauthorizedError, type Role } from '@varde/core';
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

type HttpRequest = PrincipalHolder & { headers: Record<string, string | string[] | undefined> };
type GrpcMetadata = PrincipalHolder & { get(key: string): unknown[] };

function holderOf(context: ExecutionContext): { holder: PrincipalHolder; authorization: string | undefined } {
  switch (context.getType()) {
    case 'http': {
      const request = context.switchToHttp().getRequest<HttpRequest>();
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
    return true;
  }
}
