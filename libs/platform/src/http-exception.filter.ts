import { status as GrpcStatus } from '@grpc/grpc-js';
import { Catch, HttpException, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { InsufficientScopeError, type Principal, type PrincipalHolder } from '@varde/auth';
import { ForbiddenError, UnauthorizedError } from '@varde/core';
import { toHttpError } from '@varde/fhir';
import { RpcException } from '@nestjs/microservices';
import { throwError, type Observable } from 'rxjs';
import { toRpcException } from './grpc-errors';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@varde/telemetry';
import { LOGGER } from './tokens';

/** The one place HTTP (and gRPC) errors are shaped: OperationOutcome under /fhir, problem details elsewhere; never a stack trace. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void | Observable<never> {
    // gRPC: the typed error as its status (a guard's UnauthorizedError is UNAUTHENTICATED); handlers map theirs already.
    if (host.getType() === 'rpc') {
      const error = (exception instanceof RpcException ? exception : toRpcException(exception)).getError();
      const code = typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
      if (code === GrpcStatus.INTERNAL) this.unexpected(typedOf(exception), grpcCallOf(host).route);
      if (code === GrpcStatus.UNAUTHENTICATED || code === GrpcStatus.PERMISSION_DENIED) this.logger.warn(refusal(exception, GrpcStatus[code], grpcCallOf(host)), 'access refused');
      return throwError(() => error);
    }
    if (host.getType() !== 'http') throw exception;
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = exception instanceof HttpException ? { statusCode: exception.getStatus(), message: exception.message } : exception;
    const mapped = toHttpError(error, request.url.startsWith('/fhir'));
    if (mapped.unexpected) this.unexpected(exception, request.routeOptions?.url);
    if (mapped.status === 401 || mapped.status === 403) this.logger.warn(refusal(exception, mapped.status, httpCallOf(request)), 'access refused');
    const challenge = bearerChallenge(exception);
    if (challenge !== undefined) void reply.header('www-authenticate', challenge);
    void reply.status(mapped.status).header('content-type', mapped.contentType).send(mapped.body);
  }

  /** An error no typed error describes (a 500, gRPC INTERNAL): the client reads only 'internal error', the log has it whole. */
  private unexpected(error: unknown, route: string | undefined): void {
    this.logger.error({ err: error, route }, 'unexpected error');
  }
}

/** The error a handler threw: a gRPC handler's arrives mapped (grpcCall), with the error as its cause. */
const typedOf = (exception: unknown): unknown => (exception instanceof RpcException && exception.cause !== undefined ? exception.cause : exception);

/** The call a refusal answered: its method and route, the caller the guard verified (if any), the patient it names. */
type RefusedCall = Readonly<{ method: string; route: string | undefined; principal: Principal | undefined; patientId: string | undefined }>;

const patientIdIn = (fields: unknown): string | undefined => {
  const value = typeof fields === 'object' && fields !== null ? (fields as Record<string, unknown>)['patientId'] : undefined;
  return typeof value === 'string' && value !== '' ? value : undefined;
};

function httpCallOf(request: FastifyRequest): RefusedCall {
  return { method: request.method, route: request.routeOptions?.url, principal: (request as PrincipalHolder).principal, patientId: patientIdIn(request.params) };
}

/** A gRPC call as Nest hands it to handlers (request, metadata, call): the route is the call's path (`/varde.<service>.v1.<Service>/<Method>`). */
function grpcCallOf(host: ArgumentsHost): RefusedCall {
  // Every kind of grpc-js server call (unary and streaming) has getPath().
  const call = host.getArgByIndex<{ getPath?: () => string } | undefined>(2);
  return { method: 'gRPC', route: call?.getPath?.(), principal: host.switchToRpc().getContext<PrincipalHolder | undefined>()?.principal, patientId: patientIdIn(host.switchToRpc().getData()) };
}

/**
 * What the service log keeps of a refusal (HTTP 401/403, gRPC UNAUTHENTICATED/PERMISSION_DENIED): the route, the caller
 * (subject and role, when the token was valid), the patient whose data was asked for (internal id, from the policy's
 * refusal or the request), and why — so repeated refusals on one patient can be found and alerted on. Never the token
 * or a national id.
 */
function refusal(exception: unknown, status: number | string, call: RefusedCall): Record<string, unknown> {
  const typed = typedOf(exception);
  const patientId = (typed instanceof ForbiddenError ? typed.patientId : undefined) ?? call.patientId;
  return {
    status,
    method: call.method,
    route: call.route,
    ...(call.principal ? { actor: { subject: call.principal.subject, role: call.principal.role } } : {}),
    ...(patientId ? { patientId } : {}),
    reason: typed instanceof Error ? typed.message : String(typed),
  };
}

/** The RFC 6750 § 3 challenge for a 401 or a 403 for a missing scope; undefined for other errors. */
function bearerChallenge(exception: unknown): string | undefined {
  if (exception instanceof InsufficientScopeError) return `Bearer realm="varde", error="insufficient_scope", scope="${exception.scope}"`;
  if (!(exception instanceof UnauthorizedError)) return undefined;
  // A request without credentials gets the bare challenge (RFC 6750 § 3.1); a bad token gets invalid_token.
  if (exception.message.startsWith('missing bearer token')) return 'Bearer realm="varde"';
  return `Bearer realm="varde", error="invalid_token", error_description="${exception.message.replace(/["\\]/g, "'")}"`;
}
