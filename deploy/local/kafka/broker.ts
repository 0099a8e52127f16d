/**
 * A real single-node Apache Kafka broker (KRaft) for development and tests, run from the official jars on
 * Maven Central — no Docker. CLI: `node -r @swc-node/register deploy/local/kafka/broker.ts fetch|start|stop|status`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';

const repoRoot = resolve(__dirname, '../../..');
const pomFile = join(__dirname, 'pom.xml');
const log4jConfig = join(__dirname, 'log4j2.properties');
const libsDir = join(repoRoot, '.cache/kafka/libs');
const completeMarker = '.complete';
const readyTimeoutMs = 60_000;
const stopGraceMs = 15_000;

/** Where and how to run the broker; every field has a local default. */
export type KafkaBrokerOptions = {
  /** Client (PLAINTEXT) port on 127.0.0.1, default 19092. */
  port?: number;
  /** KRaft controller port on 127.0.0.1, default 19093. */
  controllerPort?: number;
  /** Holds the partitions, the generated config and the pid file; default `<repo>/.data/kafka`. */
  dataDir?: string;
  /** Broker log files; default `<dataDir>/logs`. */
  logDir?: string;
  /**
   * A second, authenticated listener (SASL_PLAINTEXT with SCRAM-SHA-512) with Kafka's ACLs enforced
   * (StandardAuthorizer), as the public event feed for other trusts needs (ADR 0020). The plaintext port stays for
   * the controller and the broker itself (its principal, ANONYMOUS, is a super user); clients of the feed use this one.
   */
  sasl?: KafkaSaslListener;
};

/** The authenticated listener of a broker: its port, the SCRAM users created when the storage is formatted, and the super users. */
export type KafkaSaslListener = Readonly<{
  port: number;
  /** SCRAM-SHA-512 users written into the storage at format time (more can be added at run time through the admin API). */
  users: readonly Readonly<{ name: string; password: string }>[];
  /** Users every ACL lets through (e.g. the operator's admin user), besides the broker's own ANONYMOUS. */
  superUsers: readonly string[];
  /**
   * TLS on this listener (SASL_SSL instead of SASL_PLAINTEXT): a PEM file holding the broker's unencrypted PKCS#8
   * private key and its certificate chain (Kafka's PEM keystore), as a feed cluster across organisations has.
   */
  tls?: Readonly<{ keystoreFile: string }>;
}>;

/** A running broker. */
export type KafkaBroker = {
  /** Bootstrap address, e.g. `127.0.0.1:19092`. */
  brokers: string;
  /** Bootstrap address of the SASL listener when one was asked for. */
  saslBrokers?: string;
  /** Shuts the broker down (SIGTERM, then SIGKILL after 15 s) and waits for the process to exit. */
  stop(): Promise<void>;
  /** Resolves with the exit code when the broker process ends, whoever stopped it. */
  exited: Promise<number | null>;
};

const progress = (line: string): void => void process.stderr.write(`[kafka] ${line}\n`);
const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const defaultDataDir = (): string => join(repoRoot, '.data/kafka');
const pidFileOf = (dataDir: string): string => join(dataDir, 'broker.pid');

/** Fetches the broker jars with Maven into `<repo>/.cache/kafka/libs` unless already there; returns that folder. */
export async function ensureKafkaJars(): Promise<string> {
  // The marker holds the pom's hash, so changing the Kafka version in pom.xml refetches.
  const pomHash = createHash('sha256').update(readFileSync(pomFile)).digest('hex');
  const marker = join(libsDir, completeMarker);
  if (existsSync(marker) && readFileSync(marker, 'utf8') === pomHash) return libsDir;

  const started = Date.now();
  progress(`fetching the Kafka jars from Maven Central into ${libsDir} (first run only)…`);
  // Copy into a private folder and rename at the end, so an interrupted fetch never looks complete.
  const staging = `${libsDir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const args = ['-q', '-B', '-f', pomFile, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${staging}`];
  // Maven's output is kept back unless it fails: on success it is only noise.
  let output = '';
  const code = await new Promise<number | null>((done, fail) => {
    const mvn = spawn('mvn', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (chunk: Buffer): void => void (output += chunk.toString('utf8'));
    mvn.stdout.on('data', collect);
    mvn.stderr.on('data', collect);
    mvn.once('error', (error) => fail(new Error(`Could not run Maven (mvn): ${error.message}. Install Maven 3 and Java 17.`)));
    mvn.once('exit', done);
  });
  if (code !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`Maven could not fetch the Kafka jars (exit code ${code}):\n${output.trim()}`);
  }
  writeFileSync(join(staging, completeMarker), pomHash);
  rmSync(libsDir, { recursive: true, force: true });
  renameSync(staging, libsDir);
  const jars = readdirSync(libsDir).filter((f) => f.endsWith('.jar')).length;
  progress(`fetched ${jars} jars in ${seconds(started)}`);
  return libsDir;
}

/** Starts a single-node KRaft broker on 127.0.0.1 and resolves once it answers clients. */
export async function startKafkaBroker(options: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
  const port = options.port ?? 19092;
  const controllerPort = options.controllerPort ?? 19093;
  const dataDir = resolve(options.dataDir ?? defaultDataDir());
  const logDir = resolve(options.logDir ?? join(dataDir, 'logs'));
  const brokers = `127.0.0.1:${port}`;

  const running = runningBrokerPid(dataDir);
  if (running !== undefined) {
    throw new Error(`A Kafka broker (pid ${running}) is already running on ${dataDir}; stop it first (broker.ts stop).`);
  }
  await assertPortFree(port, 'client');
  await assertPortFree(controllerPort, 'controller');
  if (options.sasl) await assertPortFree(options.sasl.port, 'SASL client');

  const libs = await ensureKafkaJars();
  mkdirSync(logDir, { recursive: true });
  const propertiesFile = join(dataDir, 'server.properties');
  writeFileSync(propertiesFile, serverProperties({ port, controllerPort, logDirs: join(dataDir, 'data'), sasl: options.sasl }));
  const java = ['-Xmx512m', '-Xms256m', '-Djava.awt.headless=true', `-Dkafka.logs.dir=${logDir}`, `-Dlog4j2.configurationFile=${log4jConfig}`, '-cp', join(libs, '*')];

  if (!existsSync(join(dataDir, 'data', 'meta.properties'))) {
    progress(`formatting storage in ${dataDir}`);
    const clusterId = kafkaUuid();
    const scram = (options.sasl?.users ?? []).flatMap((u) => ['--add-scram', `SCRAM-SHA-512=[name=${u.name},password=${u.password}]`]);
    await runJava('formatting the Kafka storage', [...java, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', propertiesFile, ...scram], join(logDir, 'format.log'));
  }

  const started = Date.now();
  const stdoutLog = join(logDir, 'stdout.log');
  const child = spawn('java', [...java, 'kafka.Kafka', propertiesFile], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  child.once('error', (error) => progress(`could not run java: ${error.message}`));
  pipeToFile(child, stdoutLog);
  writeFileSync(pidFileOf(dataDir), String(child.pid));
  // If this process ends without calling stop() (a crashed test run), do not leave a broker behind.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    await terminate(child.pid, () => child.exitCode !== null || child.signalCode !== null, exited);
    rmSync(pidFileOf(dataDir), { force: true });
  };

  try {
    await waitUntilReady(brokers, exited);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- last lines of ${logDir}/server.log ---\n${tail(join(logDir, 'server.log'))}${tail(stdoutLog)}`);
  }
  progress(`broker ready in ${seconds(started)} (pid ${child.pid}, data ${dataDir})`);
  return { brokers, ...(options.sasl ? { saslBrokers: `127.0.0.1:${options.sasl.port}` } : {}), stop, exited };
}

/** Stops the broker that `start` left running on `dataDir` (via its pid file); false when none was running. */
export async function stopKafkaBroker(dataDir = defaultDataDir()): Promise<boolean> {
  const pid = runningBrokerPid(dataDir);
  if (pid === undefined) return false;
  await terminate(pid, () => !isKafkaProcess(pid));
  rmSync(pidFileOf(dataDir), { force: true });
  return true;
}

function serverProperties(p: { port: number; controllerPort: number; logDirs: string; sasl: KafkaSaslListener | undefined }): string {
  // One node that is both broker and controller. Every replication factor is 1 and the initial rebalance
  // delay is 0, otherwise consumer groups wait for replicas that do not exist ("coordinator not available").
  const sasl = p.sasl;
  // The authenticated listener's name is its security protocol: SASL_SSL with TLS, else SASL_PLAINTEXT.
  const secured = sasl?.tls ? 'SASL_SSL' : 'SASL_PLAINTEXT';
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${p.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${p.port},CONTROLLER://127.0.0.1:${p.controllerPort}${sasl ? `,${secured}://127.0.0.1:${sasl.port}` : ''}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${p.port}${sasl ? `,${secured}://127.0.0.1:${sasl.port}` : ''}`,
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${sasl ? `,${secured}:${secured}` : ''}`,
    ...(sasl?.tls ? [`listener.name.sasl_ssl.ssl.keystore.type=PEM`, `listener.name.sasl_ssl.ssl.keystore.location=${sasl.tls.keystoreFile}`] : []),
    ...(sasl
      ? [
          'sasl.enabled.mechanisms=SCRAM-SHA-512',
          `listener.name.${secured.toLowerCase()}.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
          // KRaft's authorizer: a client of the SASL listener gets exactly what the ACLs grant, nothing when none match.
          'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
          'allow.everyone.if.no.acl.found=false',
          `super.users=${['ANONYMOUS', ...sasl.superUsers].map((u) => `User:${u}`).join(';')}`,
        ]
      : []),
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${p.logDirs}`,
    'num.partitions=3',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    'offsets.topic.replication.factor=1',
    // Fewer offset partitions than the default 50: the first consumer group is ready much sooner.
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=true',
    'unclean.leader.election.enable=false',
    '',
  ].join('\n');
}

/** A Kafka cluster id: 16 random bytes in URL-safe base64, as `StorageTool random-uuid` prints (saves a JVM start). */
function kafkaUuid(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    // Kafka refuses ids that start with '-' because they read like command-line flags.
    if (!id.startsWith('-')) return id;
  }
}

async function runJava(what: string, args: string[], logFile: string): Promise<void> {
  const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  pipeToFile(child, logFile);
  const code = await new Promise<number | null>((done, fail) => {
    child.once('error', fail);
    child.once('exit', done);
  });
  if (code !== 0) throw new Error(`${what} failed (exit code ${code}):\n${tail(logFile)}`);
}

function pipeToFile(child: ChildProcess, file: string): void {
  writeFileSync(file, '');
  const append = (chunk: Buffer): void => writeFileSync(file, chunk, { flag: 'a' });
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
}

async function waitUntilReady(brokers: string, exited: Promise<number | null>): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`The Kafka broker exited during start-up (exit code ${exitCode}).`);
    if (await brokerAnswers(brokers)) return;
    await sleep(500);
  }
  throw new Error(`The Kafka broker did not answer on ${brokers} within ${readyTimeoutMs / 1000} s.`);
}

async function terminate(pid: number | undefined, hasExited: () => boolean, exited?: Promise<unknown>): Promise<void> {
  if (pid === undefined || hasExited()) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + stopGraceMs;
  while (!hasExited() && Date.now() < deadline) await Promise.race([sleep(200), exited]);
  if (hasExited()) return;
  progress(`broker pid ${pid} did not stop within ${stopGraceMs / 1000} s; killing it`);
  process.kill(pid, 'SIGKILL');
  while (!hasExited()) await Promise.race([sleep(100), exited]);
}

/** The pid in the pid file when that process is still a Kafka broker (pids get reused). */
function runningBrokerPid(dataDir: string): number | undefined {
  const file = pidFileOf(dataDir);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && isKafkaProcess(pid) ? pid : undefined;
}

function isKafkaProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kafka.Kafka');
  } catch {
    return false;
  }
}

async function assertPortFree(port: number, role: string): Promise<void> {
  await new Promise<void>((done, fail) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        error.code === 'EADDRINUSE'
          ? new Error(`Port ${port} (Kafka ${role} port) on 127.0.0.1 is already in use — is another broker running? Check with "broker.ts status", stop it, or set KAFKA_BROKERS to use it.`)
          : error,
      ),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => done()));
  });
}

function tail(file: string, lines = 40): string {
  if (!existsSync(file)) return '';
  const content = readFileSync(file, 'utf8').trimEnd();
  return content === '' ? '' : `${content.split('\n').slice(-lines).join('\n')}\n`;
}

/** True when a broker answers a metadata request at `brokers` within about a second. */
async function brokerAnswers(brokers: string): Promise<boolean> {
  const admin = new Kafka({ clientId: 'varde-broker-probe', brokers: [brokers], logLevel: logLevel.NOTHING, connectionTimeout: 1000, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function main(command: string | undefined): Promise<void> {
  switch (command) {
    case 'fetch': {
      await ensureKafkaJars();
      progress(`jars ready in ${libsDir}`);
      return;
    }
    case 'start': {
      const broker = await startKafkaBroker();
      console.log(`Kafka ready at ${broker.brokers}`);
      const shutdown = (): void => {
        progress('stopping…');
        broker.stop().then(
          () => process.exit(0),
          (error: Error) => {
            progress(error.message);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
      const code = await broker.exited;
      // 143 is the JVM's exit code after a SIGTERM, i.e. an orderly stop (e.g. by "broker.ts stop").
      const orderly = code === 0 || code === 143;
      progress(orderly ? 'the broker stopped' : `the broker exited with code ${code}; see .data/kafka/logs/server.log`);
      process.exitCode = orderly ? 0 : 1;
      return;
    }
    case 'stop': {
      progress((await stopKafkaBroker()) ? 'stopped' : 'no broker was running');
      return;
    }
    case 'status': {
      const pid = runningBrokerPid(defaultDataDir());
      const answers = await brokerAnswers('127.0.0.1:19092');
      console.log(pid === undefined ? 'no broker started by this script is running' : `broker running (pid ${pid})`);
      console.log(answers ? 'a broker answers at 127.0.0.1:19092' : 'nothing answers at 127.0.0.1:19092');
      return;
    }
    default:
      console.error('usage: node -r @swc-node/register deploy/local/kafka/broker.ts fetch|start|stop|status');
      process.exitCode = 2;
  }
}

if (require.main === module) {
  main(process.argv[2]).catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
