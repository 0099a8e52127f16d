import { Catch, HttpException, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { toHttpError } from '@varde/fhir';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@varde/telemetry';
import { LOGGER } from './tokens';

/** The one place HTTP errors are shaped: OperationOutcome under /fhir, problem details elsewhere; never a stack trace. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = exception instanceof HttpException ? { statusCode: exception.getStatus(), message: exception.message } : exception;
    const mapped = toHttpError(error, request.url.startsWith('/fhir'));
    if (mapped.unexpected) this.logger.error({ err: exception, route: request.routeOptions?.url }, 'unexpected error');
    void reply.status(mapped.status).header('content-type', mapped.contentType).send(mapped.body);
  }
}
