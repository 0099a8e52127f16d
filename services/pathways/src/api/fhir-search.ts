import type { Resource } from '@medplum/fhirtypes';
import { assertKnownParams, fhirBaseUrl, linkQuery, preferHandling, searchset as fhirSearchset, type RawQuery } from '@varde/fhir';
import type { MetadataHeaders } from '@varde/platform';

/**
 * Refuses a FHIR search naming a parameter this endpoint does not support, naming it and listing those it does
 * (ignored instead when the client asks for `Prefer: handling=lenient`).
 */
export function assertSearchParameters(query: Readonly<Record<string, unknown>>, supported: readonly string[], headers: MetadataHeaders): void {
  assertKnownParams(query as RawQuery, new Set(supported), preferHandling(headers['prefer'] as string | undefined));
}

/** A searchset Bundle of all the resources found (these searches are not paged): absolute `fullUrl`s and `self` link. */
export function searchset(headers: MetadataHeaders, resourceType: string, query: Readonly<Record<string, unknown>>, resources: readonly Readonly<Record<string, unknown>>[]): Record<string, unknown> {
  const self = `${resourceType}?${linkQuery(query as RawQuery, Object.keys(query))}`;
  return fhirSearchset(fhirBaseUrl(headers), resources as unknown as readonly Resource[], resources.length, [{ relation: 'self', query: self }]) as unknown as Record<string, unknown>;
}
