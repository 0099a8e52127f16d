import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addPublisher, addTrust, trustUser, type FeedCluster } from '../../scripts/feed/feed-access';
import { startKafkaBroker } from './kafka/broker';

/** Varde's publisher user on the local feed cluster. */
export const LOCAL_FEED_PUBLISHER = 'varde-feed';
const ADMIN = 'feed-admin';

/** Passwords of the local feed's users, made once and kept in its data folder so trusts' consumers work across restarts. */
type Credentials = { admin: string; publisher: string; trusts: Record<string, string> };

/** One trust's access to the local feed. */
export type LocalTrust = Readonly<{ organisationNumber: string; username: string; password: string }>;

/** A running local feed cluster. */
export type LocalFeed = Readonly<{
  /** The SASL/SCRAM listener trusts and the publisher connect to. */
  brokers: string;
  /** Sharing's PUBLIC_FEED_* settings for it. */
  sharingEnv: Readonly<Record<string, string>>;
  /** Every health trust of the organisation directory, with its user. */
  trusts: readonly LocalTrust[];
  stop: () => Promise<void>;
}>;

/** Options of {@link startLocalFeed}. */
export type LocalFeedOptions = Readonly<{
  /** Holds the broker's data and the users' passwords (`<dataDir>/kafka-feed`). */
  dataDir: string;
  /** Ports: 19192 (plaintext, for the broker itself), 19193 (controller), 19194 (SASL, for clients), each + offset. */
  portOffset: number;
  /** Sharing's organisation directory: each `health-trust` in it gets a user and its ACLs. */
  organisationsFile: string;
}>;

/**
 * The public event feed for other trusts on this machine (ADR 0020): a Kafka broker of its own, separate from the
 * internal bus, with a SCRAM-SHA-512 listener and ACLs, Varde's publisher user, and a user with its ACLs for every
 * health trust in the organisation directory — what an operator sets up with `npm run feed:access` in production.
 */
export async function startLocalFeed(options: LocalFeedOptions): Promise<LocalFeed> {
  const dir = join(options.dataDir, 'kafka-feed');
  mkdirSync(dir, { recursive: true });
  const trusts = healthTrustsIn(options.organisationsFile);
  const credentials = ensureCredentials(join(dir, 'credentials.json'), trusts);
  const offset = options.portOffset;
  const broker = await startKafkaBroker({ port: 19192 + offset, controllerPort: 19193 + offset, dataDir: dir, sasl: { port: 19194 + offset, users: [{ name: ADMIN, password: credentials.admin }], superUsers: [ADMIN] } });
  const brokers = broker.saslBrokers!;
  try {
    const cluster: FeedCluster = { brokers: [brokers], username: ADMIN, password: credentials.admin };
    await addPublisher(cluster, LOCAL_FEED_PUBLISHER, credentials.publisher);
    for (const trust of trusts) await addTrust(cluster, trust, credentials.trusts[trust]!);
  } catch (error) {
    await broker.stop();
    throw error;
  }
  return {
    brokers,
    sharingEnv: { PUBLIC_FEED_BROKERS: brokers, PUBLIC_FEED_USERNAME: LOCAL_FEED_PUBLISHER, PUBLIC_FEED_PASSWORD: credentials.publisher, PUBLIC_FEED_REPLICATION_FACTOR: '1' },
    trusts: trusts.map((trust) => ({ organisationNumber: trust, username: trustUser(trust), password: credentials.trusts[trust]! })),
    stop: () => broker.stop(),
  };
}

/** The organisation numbers of the directory's health trusts. */
function healthTrustsIn(file: string): string[] {
  const directory = JSON.parse(readFileSync(file, 'utf8')) as { organisations: { organisationNumber: string; kind: string }[] };
  return directory.organisations.filter((o) => o.kind === 'health-trust').map((o) => o.organisationNumber);
}

function ensureCredentials(file: string, trusts: readonly string[]): Credentials {
  const secret = (): string => randomBytes(18).toString('base64url');
  const kept = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Credentials) : { admin: secret(), publisher: secret(), trusts: {} };
  const credentials: Credentials = { ...kept, trusts: { ...kept.trusts, ...Object.fromEntries(trusts.filter((t) => !kept.trusts[t]).map((t) => [t, secret()])) } };
  writeFileSync(file, JSON.stringify(credentials, null, 2), { mode: 0o600 });
  return credentials;
}
