import { request } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { toHttpError } from '@varde/fhir';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICES } from './platform';
import { startRouter, type Router } from './router';

const MB = 1024 * 1024;

/** A service's HTTP edge as bootstrap configures it: Fastify with the service-wide 1 MB body limit and 8 MB on POST /fhir. */
async function upstream(): Promise<{ app: FastifyInstance; url: string; received: () => number }> {
  const app = Fastify({ bodyLimit: MB, logger: false });
  app.addContentTypeParser('application/fhir+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  app.setErrorHandler((error, req, reply) => {
    const mapped = toHttpError(error, req.url.startsWith('/fhir'));
    void reply.status(mapped.status).header('content-type', mapped.contentType).send(mapped.body);
  });
  let received = 0;
  app.post('/api/enrolments', async () => ({ n: ++received }));
  app.post('/fhir/Observation', async (req) => ({ bytes: JSON.stringify(req.body).length, n: ++received }));
  app.post('/fhir', { bodyLimit: 8 * MB }, async (req) => ({ bytes: JSON.stringify(req.body).length, n: ++received }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url, received: () => received };
}

/** A raw HTTP/1.1 POST (as curl sends it): the answer's status and body, however the connection ends. */
function post(url: string, body: Buffer, chunked = false): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/fhir+json', ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': body.length }) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    // A client still writing when the answer came sees its socket closed; the answer is what counts.
    req.on('error', reject);
    if (chunked) {
      for (let at = 0; at < body.length; at += 64 * 1024) req.write(body.subarray(at, at + 64 * 1024));
      req.end();
    } else req.end(body);
  });
}

const json = (bytes: number): Buffer => Buffer.from(JSON.stringify({ resourceType: 'Observation', note: [{ text: 'x'.repeat(bytes) }] }));

describe('the local router and request bodies', () => {
  let service: Awaited<ReturnType<typeof upstream>>;
  let router: Router;

  beforeAll(async () => {
    service = await upstream();
    router = await startRouter({ port: 0, upstreams: Object.fromEntries(SERVICES.map((s) => [s, service.url])) as Record<(typeof SERVICES)[number], string> });
  });
  afterAll(async () => {
    await router.close();
    await service.app.close();
  });

  it.each([
    ['2 MB to /fhir/Observation', '/fhir/Observation', 2 * MB, false],
    ['20 MB to /fhir/Observation', '/fhir/Observation', 20 * MB, false],
    ['20 MB chunked to /fhir/Observation', '/fhir/Observation', 20 * MB, true],
    ['20 MB to the Bundle endpoint', '/fhir', 20 * MB, false],
  ])('answers %s with 413 as an OperationOutcome, never 503', async (_, path, size, chunked) => {
    const before = service.received();
    for (let attempt = 0; attempt < 5; attempt++) {
      const answer = await post(`${router.url}${path}`, json(size), chunked);
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body)).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'too-costly' }] });
    }
    expect(service.received()).toBe(before);
  });

  it('answers 413 as problem details outside /fhir', async () => {
    const answer = await post(`${router.url}/api/enrolments`, json(2 * MB));
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 413, title: 'Body too large' });
  });

  it('passes bodies within the limits through: 900 kB to a resource, 5 MB to the Bundle endpoint, chunked too', async () => {
    for (const [path, body, chunked] of [['/fhir/Observation', json(900 * 1024), false], ['/fhir/Observation', json(900 * 1024), true], ['/fhir', json(5 * MB), false]] as const) {
      const answer = await post(`${router.url}${path}`, body, chunked);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toMatchObject({ bytes: body.length });
    }
  });
});
