import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { toHttpError } from '@varde/fhir';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Requests a minute one token and one address may make (RATE_LIMIT_PER_TOKEN_PER_MINUTE, RATE_LIMIT_PER_ADDRESS_PER_MINUTE). */
export type RateLimits = Readonly<{ perTokenPerMinute: number; perAddressPerMinute: number }>;

// Probes and scrapes are the platform's own; a limit on them would take a busy pod out of its load balancer.
const EXEMPT = /^\/(health|metrics)(\/|$|\?)/;

/**
 * Per-token and per-address request limits on every HTTP route, with @fastify/rate-limit (in memory, per replica):
 * past either, `429` with `Retry-After` (seconds) and a problem-details / OperationOutcome body saying which limit.
 * The token is keyed by a hash of the Authorization header, so the limiter never holds a token; a request without
 * one counts against its address only. The address is the client's as the proxy reports it (trustProxy).
 */
export async function registerRateLimits(app: NestFastifyApplication, limits: RateLimits): Promise<void> {
  // Nest's adapter ships its own copy of fastify, so the plugin's types (for the root copy) are bridged here.
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  await fastify.register(rateLimit, { global: false, timeWindow: 60_000, max: limits.perAddressPerMinute });
  const perAddress = fastify.createRateLimit({ max: limits.perAddressPerMinute, keyGenerator: (request) => `address:${request.ip}` });
  const perToken = fastify.createRateLimit({ max: limits.perTokenPerMinute, keyGenerator: tokenKey });
  fastify.addHook('onRequest', async (request, reply) => {
    if (EXEMPT.test(request.url)) return;
    const checks = request.headers.authorization ? ([[perToken, 'token'], [perAddress, 'address']] as const) : ([[perAddress, 'address']] as const);
    for (const [check, what] of checks) {
      const limit = await check(request);
      if (limit.isAllowed || !limit.isExceeded) continue;
      const max = what === 'token' ? limits.perTokenPerMinute : limits.perAddressPerMinute;
      const mapped = toHttpError({ statusCode: 429, message: `rate limit of ${max} requests a minute per ${what} exceeded; retry in ${limit.ttlInSeconds} s` }, request.url.startsWith('/fhir'));
      return reply.code(mapped.status).header('retry-after', String(Math.max(1, limit.ttlInSeconds))).header('content-type', mapped.contentType).send(mapped.body);
    }
    return undefined;
  });
}

function tokenKey(request: FastifyRequest): string {
  return `token:${createHash('sha256').update(request.headers.authorization ?? '').digest('base64url').slice(0, 22)}`;
}

