import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createPostgresEventStore } from '@varde/event-sourcing';
import { schemaConnectionString } from '@varde/database';
import { freePort, freshSchema, startServiceProcess, startTestIssuer, type ServiceProcess, type TestIssuer } from '@varde/testing';
import { loadPlatformConfig, migrateServiceDatabase, type ServiceName } from '@varde/platform';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SERVICE_MIGRATIONS } from './service-migrations';
import { BUS_BEFORE_MIGRATIONS, IDENTITY_HMAC_KEY, OLD_PATIENT, SCHEMA_BEFORE_MIGRATIONS } from './test/schema-before-migrations.fixture';

const databaseUrl = inject('databaseUrl');
const run = promisify(execFile);
const SERVICES = Object.keys(SCHEMA_BEFORE_MIGRATIONS) as (keyof typeof SCHEMA_BEFORE_MIGRATIONS)[];

/** `npm run migrate -- --service <service>` as an operator (or a Kubernetes Job) runs it. */
const migrate = async (service: string, schema: string, busSchema: string): Promise<string> => {
  const { stdout } = await run(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'migrate.ts'), '--service', service], {
    cwd: join(__dirname, '..'),
    env: { ...process.env, DATABASE_URL: databaseUrl, DB_SCHEMA: schema, BUS_SCHEMA: busSchema },
  });
  return stdout;
};

const configFor = (service: ServiceName, schema: string, busSchema: string) => loadPlatformConfig(service, { DATABASE_URL: databaseUrl, DB_SCHEMA: schema, BUS_SCHEMA: busSchema });

/** Every row of every table of the schema but the migrator's own, by table, in a stable order. */
async function contents(db: pg.Pool, schema: string): Promise<Record<string, unknown[]>> {
  const { rows: tables } = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'migrations\\_%' ORDER BY table_name`,
    [schema],
  );
  const result: Record<string, unknown[]> = {};
  for (const { table_name } of tables) result[table_name] = (await db.query(`SELECT * FROM "${schema}"."${table_name}" ORDER BY 1`)).rows;
  return result;
}

/** The schema's shape: columns (type, nullability, default) and indexes, with the schema's name taken out. */
async function shape(db: pg.Pool, schema: string): Promise<unknown> {
  const columns = await db.query(
    `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
      WHERE table_schema = $1 AND table_name NOT LIKE 'migrations\\_%' ORDER BY table_name, column_name`,
    [schema],
  );
  const indexes = await db.query<{ indexname: string; indexdef: string }>(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename NOT LIKE 'migrations\\_%' ORDER BY indexname`, [schema]);
  const unqualified = <T extends object>(row: T): T => JSON.parse(JSON.stringify(row).replaceAll(`${schema}.`, ''));
  return { columns: columns.rows.map(unqualified), indexes: indexes.rows.map(unqualified) };
}

describe('npm run migrate', () => {
  let db: pg.Pool;
  let issuer: TestIssuer | undefined;
  let pathways: ServiceProcess | undefined;
  let sharing: ServiceProcess | undefined;
  const old = Object.fromEntries(SERVICES.map((s) => [s, freshSchema(`old_${s}`)])) as Record<(typeof SERVICES)[number], string>;
  const fresh = Object.fromEntries(SERVICES.map((s) => [s, freshSchema(`new_${s}`)])) as Record<(typeof SERVICES)[number], string>;
  const oldBus = freshSchema('old_bus');
  const freshBus = freshSchema('new_bus');
  const before: Record<string, Record<string, unknown[]>> = {};
  /** The rows now in the tables that were there before (tables migrations added are new, and empty). */
  // Each old table's rows now, in the columns it had before: columns later migrations add (with their defaults) are
  // checked by the schema comparison, not here.
  const keptContents = async (schema: string, key: string): Promise<Record<string, unknown[] | undefined>> => {
    const now = await contents(db, schema);
    return Object.fromEntries(
      Object.entries(before[key]!).map(([table, rows]) => {
        const columns = Object.keys((rows?.[0] as Record<string, unknown> | undefined) ?? {});
        const kept = now[table]?.map((row) => (columns.length === 0 ? row : Object.fromEntries(columns.map((c) => [c, (row as Record<string, unknown>)[c]]))));
        return [table, kept];
      }),
    );
  };

  beforeAll(async () => {
    db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    // A database as release 0.1.0 left it: Emmett's tables, then the services' and libraries' tables with rows.
    for (const service of SERVICES) {
      await (await createPostgresEventStore({ databaseUrl, schema: old[service] })).close();
      const client = new pg.Client({ connectionString: schemaConnectionString(databaseUrl, old[service]) });
      await client.connect();
      for (const statement of SCHEMA_BEFORE_MIGRATIONS[service]) await client.query(statement);
      await client.end();
      before[service] = await contents(db, old[service]);
    }
    await db.query(`CREATE SCHEMA ${oldBus}`);
    const bus = new pg.Client({ connectionString: schemaConnectionString(databaseUrl, oldBus) });
    await bus.connect();
    for (const statement of BUS_BEFORE_MIGRATIONS) await bus.query(statement);
    await bus.end();
    before.bus = await contents(db, oldBus);
  });

  afterAll(async () => {
    await Promise.allSettled([pathways?.stop(), sharing?.stop()]);
    await issuer?.close();
    await db?.end();
  });

  // Five processes at once on a loaded machine: allow for their start.
  it('upgrades a database of the release before migrations, keeping every row, to the same schema a new install gets', { timeout: 180_000 }, async () => {
    // All five at once, as five Jobs (or replicas) would: the migration lock takes them one after the other.
    const outputs = await Promise.all(SERVICES.map((s) => migrate(s, old[s], oldBus)));
    for (const [i, service] of SERVICES.entries()) expect(outputs[i]).toContain(`${service} (schema ${old[service]}): applied event_chain/0001-baseline, messaging/0001-baseline, messaging/0002-processed-at-index, platform/0001-baseline`);
    expect(outputs.join('')).toContain('message_log/0001-baseline');

    for (const service of SERVICES) expect(await keptContents(old[service], service), service).toEqual(before[service]);
    expect(await keptContents(oldBus, 'bus')).toEqual(before.bus);

    for (const service of SERVICES) await migrateServiceDatabase(configFor(service, fresh[service], freshBus), SERVICE_MIGRATIONS[service]);
    for (const service of SERVICES) expect(await shape(db, old[service]), service).toEqual(await shape(db, fresh[service]));
    expect(await shape(db, oldBus)).toEqual(await shape(db, freshBus));
  });

  it('does nothing the second time', async () => {
    for (const service of SERVICES) expect(await migrateServiceDatabase(configFor(service, old[service], oldBus), SERVICE_MIGRATIONS[service])).toEqual([]);
    expect(await keptContents(old.triage, 'triage')).toEqual(before.triage);
  });

  it('leaves the upgraded service working on its old data: a person enrolled before the upgrade keeps their patient id', async () => {
    issuer = await startTestIssuer();
    // Enrolling a person pathways already knows asks sharing's policy decision point: both run on their upgraded data.
    const env = { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url, BUS_SCHEMA: oldBus };
    const sharingGrpcPort = await freePort();
    pathways = await startServiceProcess('pathways', { ...env, DB_SCHEMA: old.pathways, IDENTITY_HMAC_KEY, SHARING_GRPC_URL: `127.0.0.1:${sharingGrpcPort}` });
    sharing = await startServiceProcess('sharing', { ...env, DB_SCHEMA: old.sharing, PATHWAYS_GRPC_URL: pathways.grpcUrl }, { grpcPort: sharingGrpcPort });
    const response = await fetch(`${pathways.url}/api/enrolments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await issuer.token('clinician')}` },
      body: JSON.stringify({ patient: { nationalId: OLD_PATIENT.nationalId }, pathway: 'copd' }),
    });
    expect(response.status).toBe(201);
    expect(((await response.json()) as { patientId: string }).patientId).toBe(OLD_PATIENT.patientId);
  }, 180_000);

  it('names the service it does not know and changes nothing', async () => {
    const failed = await migrate('billing', freshSchema('none'), freshBus).then(
      () => undefined,
      (error: { stderr: string; code: number }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('--service: expected one of pathways, forms, measurements, triage, sharing; got billing');
  });
});
