import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { serviceNodeOptions } from '@varde/platform';
import { startDevIssuer } from './dev-issuer/dev-issuer';
import { startEmbeddedPostgresProcess, type LocalPostgres } from './embedded-postgres';
import { startKafkaBroker, type KafkaBroker } from './kafka/broker';
import { startLocalFeed, type LocalFeed } from './public-feed';
import { startRouter, type Router } from './router';
import { defaultWebAppDirs } from './web-apps';

/** The five services, in start order (pathways and sharing answer gRPC the others call). */
export const SERVICES = ['pathways', 'sharing', 'forms', 'measurements', 'triage'] as const;
/** One of {@link SERVICES}. */
export type Service = (typeof SERVICES)[number];

const HTTP_PORTS: Record<Service, number> = { pathways: 8101, forms: 8102, measurements: 8103, triage: 8104, sharing: 8105 };
const GRPC_PORTS: Record<Service, number> = { pathways: 9101, forms: 9102, measurements: 9103, triage: 9104, sharing: 9105 };

const repoRoot = join(__dirname, '..', '..');

/** Options of {@link startPlatform}. */
export type PlatformOptions = Readonly<{
  /** Run on a real Kafka broker instead of the PostgreSQL event log. */
  kafka?: boolean;
  /** Use this broker instead of starting one. */
  kafkaBrokers?: string;
  /** Use this database instead of starting embedded PostgreSQL. */
  databaseUrl?: string;
  /** Where data and logs go (default `<repo>/.data`). */
  dataDir?: string;
  /** Port offset, so tests can run a platform beside a developer's (default 0). */
  portOffset?: number;
  /** Extra environment for every service. */
  env?: Readonly<Record<string, string>>;
  /** Run the public event feed for other trusts on a local broker of its own (`--feed`; off by default). */
  publicFeed?: boolean;
  log?: (line: string) => void;
}>;

/** A running platform. */
export type RunningPlatform = Readonly<{
  baseUrl: string;
  issuer: string;
  databaseUrl: string;
  kafkaBrokers?: string;
  /** The public event feed, when started: its SASL listener and each trust's user. */
  publicFeed?: Pick<LocalFeed, 'brokers' | 'trusts'>;
  serviceUrl: (service: Service) => string;
  /** Stops one service gracefully (SIGTERM) and waits for it to exit. */
  stopService: (service: Service) => Promise<void>;
  /** Starts a stopped service again and waits until it is ready. */
  startService: (service: Service) => Promise<void>;
  /** Ends a service at once (SIGKILL, as a node failure or an OOM kill would) and waits for it to exit. */
  killService: (service: Service) => Promise<void>;
  /**
   * Starts a second replica of a service beside the first (its own ports, the same database, broker and consumer
   * groups), as a rolling update's surge pod, and waits until it is ready.
   */
  startReplica: (service: Service) => Promise<Replica>;
  /** Process ids of the platform's own processes (services), for memory measurements. */
  pids: () => number[];
  stop: () => Promise<void>;
}>;

/** An extra replica of a service started by {@link RunningPlatform.startReplica}. */
export type Replica = Readonly<{ url: string; stop: () => Promise<void>; kill: () => Promise<void> }>;

/** Where a replica's ports sit above the first replica's: past the gRPC ports (910x), below Kafka's (19092). */
const REPLICA_PORT_SHIFT = 2_000;

/**
 * Starts the whole platform on one machine: PostgreSQL (embedded unless given), the development issuer,
 * Kafka when asked, the five services as separate processes, and the router on the public base URL.
 */
export async function startPlatform(options: PlatformOptions = {}): Promise<RunningPlatform> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const offset = options.portOffset ?? 0;
  const dataDir = options.dataDir ?? join(repoRoot, '.data');
  const logDir = join(dataDir, 'logs');
  await mkdir(logDir, { recursive: true });
  const cleanups: Array<() => Promise<unknown>> = [];
  const stopAll = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => log(`stop: ${String(error)}`));
    cleanups.length = 0;
  };
  try {
    let postgres: LocalPostgres | undefined;
    let databaseUrl = options.databaseUrl;
    if (!databaseUrl) {
      log('starting embedded PostgreSQL …');
      postgres = await startEmbeddedPostgresProcess({ dataDir: join(dataDir, 'pg'), port: 5433 + offset });
      cleanups.push(() => postgres!.stop());
      databaseUrl = postgres.databaseUrl;
    }
    const issuerPort = 8090 + offset;
    const issuer = await startDevIssuer({ port: issuerPort, keysDir: join(dataDir, 'dev-issuer') });
    cleanups.push(() => issuer.close());
    let kafkaBrokers = options.kafkaBrokers;
    if (options.kafka && !kafkaBrokers) {
      log('starting Kafka broker …');
      const broker: KafkaBroker = await startKafkaBroker({ port: 19092 + offset, controllerPort: 19093 + offset, dataDir: join(dataDir, 'kafka') });
      cleanups.push(() => broker.stop());
      kafkaBrokers = broker.brokers;
    }
    let feed: LocalFeed | undefined;
    if (options.publicFeed) {
      log('starting the public event feed (a Kafka broker of its own, SASL/SCRAM and ACLs) …');
      feed = await startLocalFeed({ dataDir, portOffset: offset, organisationsFile: process.env['SHARING_ORGANISATIONS_FILE'] ?? join(repoRoot, 'services', 'sharing', 'config', 'organisations.json') });
      cleanups.push(() => feed!.stop());
    }
    const url = (service: Service, shift = 0): string => `http://127.0.0.1:${HTTP_PORTS[service] + offset + shift}`;
    const eventChainKeyFile = ensureDevSigningKey(join(dataDir, 'audit'));
    const env = (service: Service, shift = 0): NodeJS.ProcessEnv => ({
      ...process.env,
      // A local platform runs on the development issuer: development keys (IDENTITY_HMAC_KEY) are accepted.
      NODE_ENV: process.env['NODE_ENV'] ?? 'development',
      NODE_OPTIONS: serviceNodeOptions(service),
      ...options.env,
      ...(service === 'sharing' && feed ? feed.sharingEnv : {}),
      HTTP_PORT: String(HTTP_PORTS[service] + offset + shift),
      GRPC_PORT: String(GRPC_PORTS[service] + offset + shift),
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: kafkaBrokers ?? '',
      OIDC_ISSUER: issuer.url,
      PATHWAYS_GRPC_URL: `127.0.0.1:${GRPC_PORTS.pathways + offset}`,
      SHARING_GRPC_URL: `127.0.0.1:${GRPC_PORTS.sharing + offset}`,
      TRIAGE_GRPC_URL: `127.0.0.1:${GRPC_PORTS.triage + offset}`,
      EVENT_CHAIN_SIGNING_KEY_FILE: eventChainKeyFile,
      TRIAGE_URL: url('triage'),
      // As in the Helm chart: each service can merge the platform's OpenAPI document (the router asks pathways).
      OPENAPI_PEERS: SERVICES.filter((s) => s !== service).map(url).join(','),
    });
    const processes = new Map<Service, ChildProcess>();
    const spawnService = async (service: Service, shift: number): Promise<ChildProcess> => {
      const name = shift === 0 ? service : `${service}-replica`;
      const out = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
      const child = spawn(process.execPath, ['-r', '@swc-node/register', join(repoRoot, 'services', service, 'src', 'main.ts')], {
        cwd: repoRoot,
        env: env(service, shift),
        stdio: ['ignore', 'pipe', 'pipe'],
        // Own process group: a terminal's Ctrl-C reaches only the launcher, which stops services in order.
        detached: true,
      });
      const killOnExit = (): void => void child.kill('SIGKILL');
      process.once('exit', killOnExit);
      child.once('exit', () => process.removeListener('exit', killOnExit));
      child.stdout.pipe(out);
      child.stderr.pipe(out);
      let stderrTail = '';
      child.stderr.on('data', (chunk: Buffer) => (stderrTail = (stderrTail + chunk.toString()).slice(-2000)));
      await waitReady(url(service, shift), child, () => `${name} exited before it was ready:\n${stderrTail}\n(see ${join(logDir, `${name}.log`)})`);
      return child;
    };
    const launch = async (service: Service): Promise<void> => {
      processes.set(service, await spawnService(service, 0));
    };
    const end = async (child: ChildProcess | undefined, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
      if (!child || child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    };
    const stopProcess = async (service: Service, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
      const child = processes.get(service);
      processes.delete(service);
      await end(child, signal);
    };
    const terminate = (service: Service): Promise<void> => stopProcess(service, 'SIGTERM');
    const replicas = new Set<ChildProcess>();
    cleanups.push(() => Promise.all([...replicas].map((child) => end(child, 'SIGTERM'))));
    const startReplica = async (service: Service): Promise<Replica> => {
      const child = await spawnService(service, REPLICA_PORT_SHIFT);
      replicas.add(child);
      const stopWith = (signal: 'SIGTERM' | 'SIGKILL') => async (): Promise<void> => {
        replicas.delete(child);
        await end(child, signal);
      };
      return { url: url(service, REPLICA_PORT_SHIFT), stop: stopWith('SIGTERM'), kill: stopWith('SIGKILL') };
    };
    // Stop in reverse dependency order: consumers first, then sharing and pathways, which they call.
    cleanups.push(async () => {
      await Promise.all((['triage', 'forms', 'measurements'] as const).map(terminate));
      await terminate('sharing');
      await terminate('pathways');
    });
    log(`starting services (${kafkaBrokers ? `Kafka at ${kafkaBrokers}` : 'embedded event log'}) …`);
    await launch('pathways');
    await launch('sharing');
    await Promise.all((['forms', 'measurements', 'triage'] as const).map(launch));
    const router: Router = await startRouter({
      port: 8080 + offset,
      upstreams: Object.fromEntries(SERVICES.map((s) => [s, url(s)])) as Record<Service, string>,
      webApps: { dirs: defaultWebAppDirs(repoRoot), issuer: issuer.url },
    });
    cleanups.push(() => router.close());
    return {
      baseUrl: `http://localhost:${8080 + offset}`,
      issuer: issuer.url,
      databaseUrl,
      ...(kafkaBrokers ? { kafkaBrokers } : {}),
      ...(feed ? { publicFeed: { brokers: feed.brokers, trusts: feed.trusts } } : {}),
      serviceUrl: url,
      stopService: terminate,
      startService: launch,
      killService: (service) => stopProcess(service, 'SIGKILL'),
      startReplica,
      pids: () => [...processes.values()].map((p) => p.pid).filter((pid): pid is number => pid !== undefined),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * The development key that signs the event chains' checkpoints (`<dataDir>/audit/event-chain-signing-key.pem`,
 * its public half beside it for `npm run audit:check`); a real deployment brings its own from a Secret.
 */
function ensureDevSigningKey(dir: string): string {
  const file = join(dir, 'event-chain-signing-key.pem');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'event-chain-signing-key.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  return file;
}

async function waitReady(base: string, child: ChildProcess, describeExit: () => string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(describeExit());
    try {
      const response = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${base} was not ready within ${timeoutMs / 1000} s`);
}
