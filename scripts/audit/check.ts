/**
 * `npm run audit:check`: walks every service's event log beside its hash chain and reports the first events
 * changed, removed or inserted directly in the database, and checkpoints that no longer match or whose
 * signature fails. Exit code 1 when anything is wrong. Reads only: nothing is ever repaired.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { SignedCheckpoint } from '@varde/event-sourcing';
import type pg from 'pg';
import { runCli } from '../cli';
import { chainSummary, checkChains, databaseOf, servicesOf, trustedKeysOf, withPool } from './chains';

const USAGE = `usage: npm run audit:check -- [--service <name>]... [--trusted-key <public key PEM>]... [--checkpoints <file>] [--json]
       npm run audit:check -- --export-checkpoints <file> [--service <name>]...

  --service             a service whose log to check (default: all five, in the schemas their settings name)
  --trusted-key         an operator's published public key; checkpoints signed by any other key are reported
                        (default: the development key in .data/audit when present)
  --checkpoints         signed checkpoints kept outside the database (a file written by --export-checkpoints)
  --export-checkpoints  writes every service's signed checkpoints to a file, to hand to a third party
environment: the services' own settings (DATABASE_URL, DB_SCHEMA; default: the embedded PostgreSQL of npm start)`;

runCli(async () => {
  const { values } = parseArgs({
    options: {
      service: { type: 'string', multiple: true },
      'trusted-key': { type: 'string', multiple: true },
      checkpoints: { type: 'string' },
      'export-checkpoints': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const services = servicesOf(values.service);
  const trustedKeys = trustedKeysOf(values['trusted-key']);
  const external = values.checkpoints ? (JSON.parse(readFileSync(values.checkpoints, 'utf8')) as SignedCheckpoint[]) : [];

  if (values['export-checkpoints']) {
    const all: SignedCheckpoint[] = [];
    for (const service of services) {
      const { url, schema } = databaseOf(service);
      all.push(...(await withPool(url, schema, (pool) => storedCheckpoints(pool, schema))));
    }
    writeFileSync(values['export-checkpoints'], JSON.stringify(all, null, 2));
    return { output: `${all.length} signed checkpoints of ${services.join(', ')} written to ${values['export-checkpoints']}`, ok: true };
  }

  const reports = await checkChains(services, { trustedKeys, checkpoints: external });
  const ok = reports.every((r) => r.ok);
  if (values.json) return { output: JSON.stringify(reports, null, 2), ok };
  const lines = chainSummary(reports);
  if (trustedKeys.length === 0) lines.push('', 'No trusted key given (--trusted-key): checkpoint signatures were checked against the keys stored beside them only.');
  return { output: lines.join('\n'), ok };
}, USAGE);

async function storedCheckpoints(pool: pg.Pool, schema: string): Promise<SignedCheckpoint[]> {
  const { rows } = await pool.query<SignedCheckpoint>(`SELECT $1::text AS schema, seq::text, hash, signed_at AS "signedAt", key_id AS "keyId",
      public_key AS "publicKey", signature FROM event_chain_checkpoints ORDER BY event_chain_checkpoints.seq`, [schema]);
  return rows;
}
