import type { Metadata } from '@grpc/grpc-js';
import { assertRole, TokenVerifier, type Principal } from '@varde/auth';
import type { CommandMetadata, Role } from '@varde/core';
import { commandMetadataFrom, type MetadataHeaders } from '@varde/platform';

/** The verified end user behind a gRPC call, and the request metadata their reads are logged under. */
export type GrpcCaller = Readonly<{ principal: Principal; request: CommandMetadata }>;

/**
 * Does for a gRPC call what the global guard does for an HTTP route, which it does not cover: verifies the end
 * user's bearer token from the `authorization` metadata (missing/invalid → UnauthorizedError) and their role
 * (→ ForbiddenError). `x-correlation-id` metadata is honoured like the HTTP header.
 */
export async function authenticateGrpcCall(verifier: TokenVerifier, metadata: Metadata | undefined, roles: readonly Role[]): Promise<GrpcCaller> {
  const [authorization] = metadata?.get('authorization') ?? [];
  const principal = await verifier.verify(typeof authorization === 'string' ? authorization : undefined);
  assertRole(principal, ...roles);
  return { principal, request: commandMetadataFrom(principal, headersOf(metadata)) };
}

function headersOf(metadata: Metadata | undefined): MetadataHeaders {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata?.getMap() ?? {})) {
    // Binary (-bin) metadata never shapes request metadata.
    if (typeof value === 'string') headers[key] = value;
  }
  return headers;
}
