import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import { allOk, fhirBaseUrl, httpDate, negotiateFhirFormat, preferReturn, versionTag, type RequestHeaders } from '@varde/fhir';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The HTTP side of R4's RESTful API, the same in every service's FHIR edge: content negotiation, the version
 * headers of a resource, and the answer to a create or update.
 */

/** The absolute FHIR base of a request (`https://host/fhir`). */
export const fhirBaseOf = (request: FastifyRequest): string => fhirBaseUrl(request.headers as RequestHeaders, request.protocol);

/** Checks `_format` / `Accept` (406 for anything but JSON) and answers as `application/fhir+json`. */
export function negotiateFhir(request: FastifyRequest, reply: FastifyReply): void {
  const format = (request.query as Record<string, unknown> | undefined)?.['_format'];
  void reply.header('content-type', negotiateFhirFormat(typeof format === 'string' ? format : undefined, request.headers['accept']));
}

/** Sets `ETag` (`W/"<versionId>"`) and `Last-Modified` of a resource version, from its `meta`; returns the resource. */
export function fhirVersionHeaders<T extends Resource>(reply: FastifyReply, resource: T): T {
  if (resource.meta?.versionId) void reply.header('etag', versionTag(resource.meta.versionId));
  if (resource.meta?.lastUpdated) void reply.header('last-modified', httpDate(resource.meta.lastUpdated));
  return resource;
}

/**
 * The answer to a create or update: `Location` (`[base]/<type>/<id>/_history/<version>`), `ETag`, `Last-Modified`,
 * and the body the client's `Prefer: return=` asks for: the resource (default), nothing (`minimal`) or an
 * OperationOutcome.
 */
export function fhirWritten<T extends Resource>(request: FastifyRequest, reply: FastifyReply, resource: T): T | OperationOutcome | undefined {
  const version = resource.meta?.versionId ?? '1';
  void reply.header('location', `${fhirBaseOf(request)}/${resource.resourceType}/${resource.id}/_history/${version}`);
  fhirVersionHeaders(reply, resource);
  const wanted = preferReturn(request.headers['prefer'] as string | undefined);
  return wanted === 'minimal' ? undefined : wanted === 'OperationOutcome' ? allOk(`${resource.resourceType}/${resource.id} version ${version}`) : resource;
}
