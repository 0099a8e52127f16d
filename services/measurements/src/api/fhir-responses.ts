import type { Observation, OperationOutcome } from '@medplum/fhirtypes';
import { allOk, fhirBaseUrl, httpDate, negotiateFhirFormat, preferReturn, versionTag, type RequestHeaders } from '@varde/fhir';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The absolute FHIR base of a request (`https://host/fhir`). */
export const baseOf = (request: FastifyRequest): string => fhirBaseUrl(request.headers as RequestHeaders, request.protocol);

/** Checks `_format` / `Accept` (406 for anything but JSON) and answers as `application/fhir+json`. */
export function negotiate(request: FastifyRequest, reply: FastifyReply): void {
  const format = (request.query as Record<string, unknown> | undefined)?.['_format'];
  void reply.header('content-type', negotiateFhirFormat(typeof format === 'string' ? format : undefined, request.headers['accept']));
}

/** `ETag` and `Last-Modified` of a resource version. */
export function versionHeaders(reply: FastifyReply, resource: Observation): void {
  if (resource.meta?.versionId) void reply.header('etag', versionTag(resource.meta.versionId));
  if (resource.meta?.lastUpdated) void reply.header('last-modified', httpDate(resource.meta.lastUpdated));
}

/**
 * The answer to a create or update: `Location` (`[base]/Observation/<id>/_history/<version>`), `ETag`,
 * `Last-Modified`, and the body the client's `Prefer: return=` asks for: the resource (default), nothing
 * (`minimal`) or an OperationOutcome.
 */
export function written(request: FastifyRequest, reply: FastifyReply, resource: Observation): Observation | OperationOutcome | undefined {
  void reply.header('location', `${baseOf(request)}/Observation/${resource.id}/_history/${resource.meta?.versionId ?? '1'}`);
  versionHeaders(reply, resource);
  const wanted = preferReturn(request.headers['prefer'] as string | undefined);
  return wanted === 'minimal' ? undefined : wanted === 'OperationOutcome' ? allOk(`Observation/${resource.id} version ${resource.meta?.versionId ?? '1'}`) : resource;
}
