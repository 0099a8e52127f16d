import { status } from '@grpc/grpc-js';
import { RpcException } from '@nestjs/microservices';
import { VardeError } from '@varde/core';

const codes: Record<VardeError['kind'], status> = {
  validation: status.INVALID_ARGUMENT,
  'illegal-state': status.FAILED_PRECONDITION,
  'not-found': status.NOT_FOUND,
  concurrency: status.ABORTED,
  unauthorized: status.UNAUTHENTICATED,
  forbidden: status.PERMISSION_DENIED,
  unavailable: status.UNAVAILABLE,
  unprocessable: status.FAILED_PRECONDITION,
};

/** Maps a typed error to the gRPC status a client can act on; the error stays as its `cause` (a refusal is logged from it). */
export function toRpcException(error: unknown): RpcException {
  const mapped = error instanceof VardeError ? new RpcException({ code: codes[error.kind], message: error.message }) : new RpcException({ code: status.INTERNAL, message: 'internal error' });
  mapped.cause = error;
  return mapped;
}

/** Runs a gRPC handler body, mapping typed errors to gRPC statuses. */
export async function grpcCall<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw toRpcException(error);
  }
}
