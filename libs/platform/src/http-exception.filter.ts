import { Catch, HttpException, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { InsufficientScopeError, type Principal } from '@varde/auth';
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
    if (host.getType() === 'rpc') return throwError(() => (exception instanceof RpcException ? exception : toRpcException(exception)).getError());
    if (host.getType() !== 'http') throw exception;
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = exception instanceof HttpException ? { statusCode: exception.getStatus(), message: exception.message } : exception;
    const mapped = toHttpError(error, request.url.startsWith('/fhir'));
    if (mapped.unexpected) this.logger.error({ err: exception, route: request.routeOptions?.url }, 'unexpected error');
    if (mapped.status === 401 || mapped.status === 403) this.logger.warn(refusal(request, exception, mapped.status), 'access refused');
    const challenge = bearerChallenge(exception);
    if (challenge !== undefined) void reply.header('www-authenticate', challenge);
    void reply.status(mapped.status).header('content-type', mapped.contentType).send(mapped.body);
  }
}

/**
 * What the service log keeps of a refusal (401/403): the route, the caller (subject and role, when the token was
 * valid), the patient whose data was asked for (internal id, from the policy's refusal or the route), and why —
 * so repeated refusals on one patient can be found and alerted on. Never the token or a national id.
 */
function refusal(request: FastifyRequest, exception: unknown, status: number): Record<string, unknown> {
  const principal = (request as { principal?: Principal }).principal;
  const params = request.params as Record<string, unknown> | undefined;
  const patientId = (exception instanceof ForbiddenError ? exception.patientId : undefined) ?? (typeof params?.['patientId'] === 'string' ? params['patientId'] : undefined);
  return {
    status,
    method: request.method,
    route: request.routeOptions?.url,
    ...(principal ? { actor: { subject: principal.subject, role: principal.role } } : {}),
    ...(patientId ? { patientId } : {}),
    reason: exception instanceof Error ? exception.message : String(exception),
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
