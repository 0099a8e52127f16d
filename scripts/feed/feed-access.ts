/**
 * Access to the public event feed for other health trusts (ADR 0020): SCRAM users and Kafka ACLs on the feed's
 * cluster. A trust `<organisation number>` authenticates as `trust-<organisation number>` and may read only topics and
 * use only consumer groups under `varde.public.<organisation number>.`; Varde's feed publisher may create, describe
 * and write every `varde.public.` topic. Used by operators (CLI below) and by the feed's tests.
 *
 * CLI (PUBLIC_FEED_BROKERS, PUBLIC_FEED_ADMIN_USERNAME and PUBLIC_FEED_ADMIN_PASSWORD name the cluster and a super user;
 * PUBLIC_FEED_TLS=true for a SASL_SSL listener, PUBLIC_FEED_TLS_CA_FILE for a private CA, as the sharing service takes them):
 *   npm run feed:access -- add-trust <organisation number>    # password from TRUST_PASSWORD
 *   npm run feed:access -- remove-trust <organisation number>
 *   npm run feed:access -- add-publisher <user>               # password from PUBLISHER_PASSWORD
 *   npm run feed:access -- list
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publicFeedPrefix } from '@varde/contracts';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes, type AclEntry } from 'kafkajs';
import { ensureKafkaJars } from '../../deploy/local/kafka/broker';

/**
 * The feed cluster's SASL listener and a super user's SCRAM-SHA-512 credentials; `tls` when the listener is SASL_SSL
 * (with `caFile`, a PEM bundle of the private CA that signed the brokers' certificates; else the system's CAs).
 */
export type FeedCluster = Readonly<{ brokers: readonly string[]; username: string; password: string; tls?: Readonly<{ caFile?: string }> }>;

/** The SCRAM user a trust authenticates as. */
export const trustUser = (trust: string): string => `trust-${trust}`;

const PUBLIC_PREFIX = 'varde.public.';

const allow = (principal: string, resourceType: AclResourceTypes, resourceName: string, operation: AclOperationTypes, patternType = ResourcePatternTypes.PREFIXED): AclEntry => ({
  resourceType,
  resourceName,
  resourcePatternType: patternType,
  principal: `User:${principal}`,
  host: '*',
  operation,
  permissionType: AclPermissionTypes.ALLOW,
});

/** The ACLs of one trust: read and describe its own topics, join consumer groups named with its prefix. Nothing else. */
export function trustAcls(trust: string): AclEntry[] {
  const prefix = publicFeedPrefix(trust);
  const user = trustUser(trust);
  return [
    allow(user, AclResourceTypes.TOPIC, prefix, AclOperationTypes.READ),
    allow(user, AclResourceTypes.TOPIC, prefix, AclOperationTypes.DESCRIBE),
    allow(user, AclResourceTypes.GROUP, prefix, AclOperationTypes.READ),
  ];
}

/** The ACLs of Varde's feed publisher: create, describe and write every public topic, with the idempotent producer. */
export function publisherAcls(user: string): AclEntry[] {
  return [
    allow(user, AclResourceTypes.TOPIC, PUBLIC_PREFIX, AclOperationTypes.CREATE),
    allow(user, AclResourceTypes.TOPIC, PUBLIC_PREFIX, AclOperationTypes.DESCRIBE),
    allow(user, AclResourceTypes.TOPIC, PUBLIC_PREFIX, AclOperationTypes.WRITE),
    allow(user, AclResourceTypes.TOPIC, PUBLIC_PREFIX, AclOperationTypes.DESCRIBE_CONFIGS),
    allow(user, AclResourceTypes.TOPIC, PUBLIC_PREFIX, AclOperationTypes.ALTER_CONFIGS),
    allow(user, AclResourceTypes.CLUSTER, 'kafka-cluster', AclOperationTypes.IDEMPOTENT_WRITE, ResourcePatternTypes.LITERAL),
  ];
}

async function withAdmin<T>(cluster: FeedCluster, work: (admin: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> {
  const ssl = cluster.tls ? (cluster.tls.caFile ? { ca: [readFileSync(cluster.tls.caFile, 'utf8')] } : true) : undefined;
  const kafka = new Kafka({ clientId: 'varde-feed-access', brokers: [...cluster.brokers], sasl: { mechanism: 'scram-sha-512', username: cluster.username, password: cluster.password }, ...(ssl ? { ssl } : {}), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Creates (or changes the password of) a SCRAM-SHA-512 user through the admin API (AlterUserScramCredentials), with
 * Kafka's own `kafka-configs` tool from the broker jars: kafkajs has no call for it.
 */
export async function upsertScramUser(cluster: FeedCluster, name: string, password: string): Promise<void> {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`user: expected letters, digits, ".", "_" or "-", got "${name}"`);
  const libs = await ensureKafkaJars();
  const dir = mkdtempSync(join(tmpdir(), 'feed-access-'));
  const config = join(dir, 'admin.properties');
  const escape = (s: string): string => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  writeFileSync(
    config,
    [
      `security.protocol=${cluster.tls ? 'SASL_SSL' : 'SASL_PLAINTEXT'}`,
      ...(cluster.tls?.caFile ? ['ssl.truststore.type=PEM', `ssl.truststore.location=${cluster.tls.caFile}`] : []),
      'sasl.mechanism=SCRAM-SHA-512',
      `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${escape(cluster.username)}" password="${escape(cluster.password)}";`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  try {
    const args = ['-Xmx128m', '-cp', join(libs, '*'), 'kafka.admin.ConfigCommand', '--bootstrap-server', cluster.brokers.join(','), '--command-config', config, '--alter', '--add-config', `SCRAM-SHA-512=[iterations=8192,password=${password}]`, '--entity-type', 'users', '--entity-name', name];
    let output = '';
    const code = await new Promise<number | null>((done, fail) => {
      const java = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      java.stdout.on('data', (chunk: Buffer) => void (output += chunk.toString('utf8')));
      java.stderr.on('data', (chunk: Buffer) => void (output += chunk.toString('utf8')));
      java.once('error', fail);
      java.once('exit', done);
    });
    if (code !== 0) throw new Error(`kafka-configs could not create SCRAM user ${name} (exit code ${code}):\n${output.trim()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Lets a trust subscribe: its SCRAM user and its ACLs (both idempotent). */
export async function addTrust(cluster: FeedCluster, trust: string, password: string): Promise<void> {
  publicFeedPrefix(trust);
  await upsertScramUser(cluster, trustUser(trust), password);
  await withAdmin(cluster, (admin) => admin.createAcls({ acl: trustAcls(trust) }));
}

/** Ends a trust's access: its ACLs go at once (the user is left, with nothing it may read). */
export async function removeTrust(cluster: FeedCluster, trust: string): Promise<void> {
  await withAdmin(cluster, (admin) => admin.deleteAcls({ filters: trustAcls(trust) }));
}

/** Lets Varde's feed publisher (`user`) write the public topics. */
export async function addPublisher(cluster: FeedCluster, user: string, password: string): Promise<void> {
  await upsertScramUser(cluster, user, password);
  await withAdmin(cluster, (admin) => admin.createAcls({ acl: publisherAcls(user) }));
}

/** Ends the publisher's right to write the public topics (its ACLs go; the user is left). */
export async function removePublisher(cluster: FeedCluster, user: string): Promise<void> {
  await withAdmin(cluster, (admin) => admin.deleteAcls({ filters: publisherAcls(user) }));
}

async function main(args: readonly string[]): Promise<void> {
  const need = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name}: required`);
    return value;
  };
  const caFile = process.env['PUBLIC_FEED_TLS_CA_FILE'];
  const tls = process.env['PUBLIC_FEED_TLS'] === 'true' ? { tls: caFile ? { caFile } : {} } : {};
  const cluster = (): FeedCluster => ({ brokers: need('PUBLIC_FEED_BROKERS').split(','), username: need('PUBLIC_FEED_ADMIN_USERNAME'), password: need('PUBLIC_FEED_ADMIN_PASSWORD'), ...tls });
  const [command, subject] = args;
  switch (command) {
    case 'add-trust':
      await addTrust(cluster(), subject ?? '', need('TRUST_PASSWORD'));
      console.log(`trust ${subject}: user ${trustUser(subject ?? '')} may read ${publicFeedPrefix(subject ?? '')}* and use consumer groups ${publicFeedPrefix(subject ?? '')}*`);
      return;
    case 'remove-trust':
      await removeTrust(cluster(), subject ?? '');
      console.log(`trust ${subject}: ACLs removed`);
      return;
    case 'add-publisher':
      if (!subject) throw new Error('user: required');
      await addPublisher(cluster(), subject, need('PUBLISHER_PASSWORD'));
      console.log(`publisher ${subject}: may create and write ${PUBLIC_PREFIX}*`);
      return;
    case 'list': {
      const { resources } = await withAdmin(cluster(), (admin) =>
        admin.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }),
      );
      for (const r of resources) for (const acl of r.acls) console.log(`${acl.principal}\t${AclOperationTypes[acl.operation]}\t${AclResourceTypes[r.resourceType]}\t${r.resourceName}`);
      return;
    }
    default:
      console.error('usage: npm run feed:access -- add-trust <orgnr> | remove-trust <orgnr> | add-publisher <user> | list');
      process.exitCode = 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
