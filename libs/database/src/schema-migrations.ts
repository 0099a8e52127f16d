import { Kysely, Migrator, PostgresDialect, sql, type Migration } from 'kysely';
import { createPool } from './connections';
import { ensureSchema, schemaConnectionString } from './schema';

/**
 * One versioned step of a schema: `up` changes the schema (and moves data) from the previous version to this
 * one. Steps are never edited once released; a change is a new step.
 */
export type SchemaMigration = Readonly<{ up: (db: MigrationDatabase) => Promise<void> }>;

/** What a migration step runs its statements on (Kysely, so a step may use its schema builder or plain SQL). */
export type MigrationDatabase = Kysely<unknown>;

/**
 * The migrations of one owner of tables — a service, or a library whose tables every service schema holds —
 * applied in the order of their names and recorded in their own table (`migrations_<name>`) in the schema.
 */
export type MigrationSet = Readonly<{
  /** Who owns the tables (`triage`, `messaging`): names the table that records which steps ran. */
  name: string;
  /** Steps by name; names sort in the order they run (`0001-baseline`, `0002-…`). */
  migrations: Readonly<Record<string, SchemaMigration>>;
}>;

/** A step that runs SQL text (several statements allowed); unqualified names land in the schema being migrated. */
export const sqlMigration = (statements: string): SchemaMigration => ({
  up: async (db) => {
    await sql.raw(statements).execute(db);
  },
});

/** Where to migrate: a database and the schema in it (created when missing). */
export type MigrationTarget = Readonly<{ databaseUrl: string; schema: string }>;

/**
 * Brings `schema` to the latest version of each set, in the order given (a set may build on an earlier one's
 * tables). Each set's pending steps run in one transaction — all or none — under Kysely's migration lock, so
 * replicas or a migration Job running at the same moment apply each step once. Returns the steps applied now.
 */
export async function migrateSchema(target: MigrationTarget, sets: readonly MigrationSet[]): Promise<readonly string[]> {
  await ensureSchema(target.databaseUrl, target.schema);
  const pool = createPool({ connectionString: schemaConnectionString(target.databaseUrl, target.schema), max: 1 });
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  try {
    const applied: string[] = [];
    for (const set of sets) {
      assertSetName(set.name);
      const migrator = new Migrator({
        db,
        provider: { getMigrations: async () => ({ ...set.migrations }) as Record<string, Migration> },
        migrationTableSchema: target.schema,
        migrationTableName: `migrations_${set.name}`,
        migrationLockTableName: `migrations_${set.name}_lock`,
      });
      const { error, results = [] } = await migrator.migrateToLatest();
      if (error) {
        const failed = results.find((r) => r.status === 'Error')?.migrationName;
        throw new Error(`migrating schema ${target.schema} (${set.name}${failed ? `, step ${failed}` : ''}) failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      applied.push(...results.map((r) => `${set.name}/${r.migrationName}`));
    }
    return applied;
  } finally {
    await db.destroy();
  }
}

function assertSetName(name: string): void {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`migration set name must be lower-case letters, digits and underscores; got ${JSON.stringify(name)}`);
}
