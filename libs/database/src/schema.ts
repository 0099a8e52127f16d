import { createClient } from './connections';

/**
 * A connection string whose sessions use the service's schema first (Emmett's tables are unqualified), keeping
 * any settings the URL already carries (an operator's `options=-c statement_timeout=…`).
 */
export function schemaConnectionString(databaseUrl: string, schema: string): string {
  assertSchemaName(schema);
  return withSessionSettings(databaseUrl, { search_path: schema });
}

/**
 * `databaseUrl` with server settings for its sessions (`-c name=value` in `options`), after any it already
 * carries: for a connection that runs only a few statements of its own and needs their plan fixed.
 */
export function withSessionSettings(databaseUrl: string, settings: Readonly<Record<string, string>>): string {
  const url = new URL(databaseUrl);
  const added = Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`);
  url.searchParams.set('options', [url.searchParams.get('options'), ...added].filter(Boolean).join(' '));
  return url.toString();
}

/** Creates the schema when missing. */
export async function ensureSchema(databaseUrl: string, schema: string): Promise<void> {
  assertSchemaName(schema);
  const client = createClient(databaseUrl);
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } catch (error) {
    // Two services creating schemas at the same moment race on the catalog; the schema exists either way.
    if ((error as { code?: string }).code !== '23505') throw error;
  } finally {
    await client.end();
  }
}

/** Throws unless `schema` is a plain lower-case identifier (it is spliced into SQL). */
export function assertSchemaName(schema: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`Invalid schema name "${schema}": use lower-case letters, digits and _`);
}
