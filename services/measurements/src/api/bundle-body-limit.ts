import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

/** DI token of the body limit, in bytes, of `POST /fhir` (Bundles), which may exceed the service-wide limit. */
export const BUNDLE_BODY_LIMIT = Symbol('BUNDLE_BODY_LIMIT');

/**
 * Raises Fastify's body limit for `POST /fhir` only: a Bundle of thousands of Observations is larger than
 * any single resource, while every other route keeps the service-wide `BODY_LIMIT_BYTES`. Constructed
 * before Nest registers routes, so the hook sees the Bundle route being added.
 */
@Injectable()
export class BundleBodyLimit {
  constructor(@Inject(HttpAdapterHost) host: HttpAdapterHost, @Inject(BUNDLE_BODY_LIMIT) limit: number) {
    const fastify = host.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      if (/^\/fhir\/?$/.test(route.url) && methods.includes('POST')) route.bodyLimit = limit;
    });
  }
}
