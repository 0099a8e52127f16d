import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startKafkaBroker } from '../../../deploy/local/kafka/broker';
import { freePort, onFreshPortsUntilBound } from './ports';
import { makeTestCertificates } from './test-ca';

/** A Kafka broker for one test run. */
export type TestKafka = Readonly<{
  /** Bootstrap servers, comma-separated (as in `KAFKA_BROKERS`). */
  brokers: string;
  /** Stops the broker this function started and removes its data; does nothing for a broker given by `KAFKA_BROKERS`. */
  stop(): Promise<void>;
}>;

const repoRoot = resolve(__dirname, '../../..');

/**
 * The Kafka of `KAFKA_BROKERS` when set; otherwise a fresh local broker on free ports (so a developer's
 * running platform is never disturbed) with its own data folder, so a run never sees topics or offsets of an earlier one. Call once per test run (vitest globalSetup).
 */
export async function startTestKafka(): Promise<TestKafka> {
  const given = process.env['KAFKA_BROKERS'];
  if (given !== undefined && given.trim() !== '') return { brokers: given, stop: async () => undefined };

  // Another process may take a free port before the broker binds it: try again on new ports.
  const broker = await onFreshPortsUntilBound(async () => {
    const port = await freePort();
    // The port is part of the folder: each vitest project starts its own broker from the same process.
    const dataDir = join(repoRoot, '.data', 'test', `kafka-${process.pid}-${port}`);
    rmSync(dataDir, { recursive: true, force: true });
    try {
      return { ...(await startKafkaBroker({ port, controllerPort: await freePort(), dataDir })), dataDir };
    } catch (error) {
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
  });
  const dataDir = broker.dataDir;
  return {
    brokers: broker.brokers,
    stop: async () => {
      await broker.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A broker with an authenticated listener and ACLs enforced, for the public event feed's tests (ADR 0020). */
export type SecuredTestKafka = Readonly<{
  /** The SASL_PLAINTEXT (SCRAM-SHA-512) listener, where ACLs apply; SASL_SSL when started with `tls`. */
  brokers: string;
  /** With `tls`: the PEM certificate of the CA that signed the broker's certificate (clients must trust it). */
  caPem?: string;
  /** The super user created at format time (the operator's admin). */
  admin: Readonly<{ username: string; password: string }>;
  stop(): Promise<void>;
}>;

/**
 * A separate broker on free ports with a SASL_PLAINTEXT listener (SCRAM-SHA-512) and Kafka's StandardAuthorizer, and
 * one super user; every other user gets only what ACLs grant. With `tls` the listener is SASL_SSL, its certificate
 * signed by a CA made for this broker (`caPem`). The shared test broker stays as it is.
 */
export async function startSecuredTestKafka(options: Readonly<{ tls?: boolean }> = {}): Promise<SecuredTestKafka> {
  const admin = { username: 'feed-admin', password: `admin-${process.pid}-${Date.now()}` };
  const certificates = options.tls ? await makeTestCertificates() : undefined;
  const broker = await onFreshPortsUntilBound(async () => {
    const port = await freePort();
    const dataDir = join(repoRoot, '.data', 'test', `kafka-sasl-${process.pid}-${port}`);
    rmSync(dataDir, { recursive: true, force: true });
    try {
      let tls: { keystoreFile: string } | undefined;
      if (certificates) {
        mkdirSync(dataDir, { recursive: true });
        tls = { keystoreFile: join(dataDir, 'keystore.pem') };
        writeFileSync(tls.keystoreFile, certificates.serverKeystorePem, { mode: 0o600 });
      }
      const sasl = { port: await freePort(), users: [{ name: admin.username, password: admin.password }], superUsers: [admin.username], ...(tls ? { tls } : {}) };
      return { ...(await startKafkaBroker({ port, controllerPort: await freePort(), dataDir, sasl })), dataDir };
    } catch (error) {
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
  });
  return {
    brokers: broker.saslBrokers!,
    ...(certificates ? { caPem: certificates.caPem } : {}),
    admin,
    stop: async () => {
      await broker.stop();
      rmSync(broker.dataDir, { recursive: true, force: true });
    },
  };
}
