import { status, type ServiceError } from '@grpc/grpc-js';
import { ClientProxyFactory, Transport, type ClientGrpc } from '@nestjs/microservices';
import { grpcOptions, type grpcServices } from '@varde/contracts';
import { ConcurrencyError, ForbiddenError, IllegalStateError, NotFoundError, UnauthorizedError, UnavailableError, ValidationError, VardeError } from '@varde/core';
import { firstValueFrom, type Observable } from 'rxjs';

/** A gRPC client of one Varde service contract, closed with the service. */
export type GrpcClient = Readonly<{ service: <T extends object>(name: string) => T; close: () => void }>;

/** Connects to another service's gRPC contract (`host:port`). */
export function createGrpcClient(contract: keyof typeof grpcServices, url: string): GrpcClient {
  const proxy = ClientProxyFactory.create({ transport: Transport.GRPC, options: grpcOptions(contract, url) }) as unknown as ClientGrpc & { close(): void };
  return { service: <T extends object>(name: string) => proxy.getService<T>(name), close: () => proxy.close() };
}

/**
 * Awaits one gRPC call with a deadline and maps its status to Varde's typed errors, so a caller's HTTP
 * answer is right (404 for NOT_FOUND, 503 when the other service is down) without knowing gRPC.
 */
export async function callGrpc<T>(call: Observable<T>, what: string, timeoutMs = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UnavailableError(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([firstValueFrom(call), deadline]);
  } catch (error) {
    throw toVardeError(error, what);
  } finally {
    clearTimeout(timer);
  }
}

function toVardeError(error: unknown, what: string): Error {
  if (error instanceof VardeError) return error;
  const e = error as Partial<ServiceError>;
  const detail = e.details ?? e.message ?? String(error);
  switch (e.code) {
    case status.NOT_FOUND:
      return new NotFoundError(detail);
    case status.INVALID_ARGUMENT:
      return new ValidationError([{ field: '', message: detail }]);
    case status.FAILED_PRECONDITION:
      return new IllegalStateError(detail);
    case status.ABORTED:
      return new ConcurrencyError(detail);
    case status.UNAUTHENTICATED:
      return new UnauthorizedError(`${what}: ${detail}`);
    case status.PERMISSION_DENIED:
      return new ForbiddenError(`${what}: ${detail}`);
    default:
      return new UnavailableError(`${what} failed: ${detail}`);
  }
}
