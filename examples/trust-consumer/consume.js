// An example consumer of Varde's public event feed, written as another health trust would write it: its own package
// (kafkajs, protobufjs), no Varde code, and the events decoded from the published .proto files alone
// (proto/varde/public/**). It prints one JSON line per event and skips an event it has already seen (ce_id).
//
//   FEED_BROKERS=host:9094 TRUST_ORGNR=<your organisation number> TRUST_PASSWORD=... VARDE_PROTO_DIR=path/to/proto node consume.js
//
// Over TLS (the feed's SASL_SSL listener): FEED_TLS=true, and FEED_TLS_CA_FILE=ca.pem when the brokers' certificates
// are signed by a private CA rather than one the system trusts.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import protobuf from 'protobufjs';

const { Kafka, logLevel } = kafkajs;
const here = dirname(fileURLToPath(import.meta.url));

function setting(name, fallback) {
  const value = process.env[name] || fallback;
  if (!value) {
    process.stderr.write(`${name}: required\n`);
    process.exit(2);
  }
  return value;
}

const brokers = setting('FEED_BROKERS').split(',');
const trust = setting('TRUST_ORGNR');
const password = setting('TRUST_PASSWORD');
const protoDir = setting('VARDE_PROTO_DIR', join(here, '..', '..', 'proto'));
const domains = setting('FEED_DOMAINS', 'pathways,measurements,triage,forms').split(',');
// Our consumer groups must start with our own prefix: the broker refuses any other.
const groupId = setting('FEED_GROUP', `varde.public.${trust}.example`);
const caFile = process.env.FEED_TLS_CA_FILE;
const ssl = process.env.FEED_TLS === 'true' || caFile ? (caFile ? { ca: [readFileSync(caFile, 'utf8')] } : true) : undefined;

/** Loads every published .proto file (google/protobuf/* come with protobufjs). */
function loadContracts(dir) {
  const published = join(dir, 'varde', 'public');
  const files = readdirSync(published, { recursive: true })
    .map(String)
    .filter((file) => file.endsWith('.proto'))
    .map((file) => relative(dir, join(published, file)));
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(dir, target);
  return root.loadSync(files);
}

/** A decoded message as plain JSON: enums by name, 64-bit numbers as strings, Timestamps as ISO 8601. */
function plain(type, message) {
  const object = type.toObject(message, { enums: String, longs: String, defaults: true });
  for (const field of type.fieldsArray) {
    field.resolve();
    const convert = (value) => {
      if (!field.resolvedType || !(field.resolvedType instanceof protobuf.Type)) return value;
      if (field.resolvedType.fullName === '.google.protobuf.Timestamp') return new Date(Number(value.seconds) * 1000 + Math.floor(value.nanos / 1e6)).toISOString();
      return plain(field.resolvedType, field.resolvedType.fromObject(value));
    };
    const value = object[field.name];
    if (value === null || value === undefined) continue;
    object[field.name] = field.repeated ? value.map(convert) : convert(value);
  }
  return object;
}

async function main() {
  const contracts = loadContracts(protoDir);
  const kafka = new Kafka({ clientId: `trust-${trust}-example`, brokers, sasl: { mechanism: 'scram-sha-512', username: `trust-${trust}`, password }, ...(ssl ? { ssl } : {}), logLevel: logLevel.WARN });
  const consumer = kafka.consumer({ groupId });
  const seen = new Set();
  await consumer.connect();
  await consumer.subscribe({ topics: domains.map((domain) => `varde.public.${trust}.${domain}.v1`), fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const header = (name) => (message.headers[name] === undefined ? undefined : String(message.headers[name]));
      const id = header('ce_id');
      if (seen.has(id)) return; // Varde delivers at least once: the same ce_id again is the same event.
      seen.add(id);
      const type = contracts.lookupType(header('ce_type'));
      const event = plain(type, type.decode(message.value));
      process.stdout.write(`${JSON.stringify({ topic, partition, offset: message.offset, id, type: header('ce_type'), time: header('ce_time'), event })}\n`);
    },
  });
  const stop = () => consumer.disconnect().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

await main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
