import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import type { DiscoveryService } from '@nestjs/core';
import type { FhirRoute } from './capability-statement';

const join = (...parts: readonly string[]): string => parts.map((p) => p.replace(/^\/+|\/+$/g, '')).filter((p) => p !== '').join('/');

/**
 * Every route the application's controllers serve under `/fhir`, relative to it (`Observation/:id`), read from
 * the same decorator metadata Nest registers the routes from: what the CapabilityStatement is generated from.
 */
export function fhirRoutesOf(discovery: DiscoveryService): FhirRoute[] {
  const routes: FhirRoute[] = [];
  for (const wrapper of discovery.getControllers()) {
    const metatype = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
    if (!metatype) continue;
    const prefixes = [Reflect.getMetadata(PATH_METADATA, metatype) as string | string[] | undefined ?? ''].flat();
    const prototype = metatype.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      if (method === undefined || paths === undefined) continue;
      for (const prefix of prefixes) {
        for (const path of [paths].flat()) {
          const full = join(prefix, path);
          if (full === 'fhir' || full.startsWith('fhir/')) routes.push({ method: RequestMethod[method], path: full.slice('fhir'.length).replace(/^\//, '') });
        }
      }
    }
  }
  return routes;
}
