import type pg from 'pg';
import { eventually } from './eventually';

/** One entry of a patient's access log as sharing's HTTP API shows it. */
export type AccessLogView = Readonly<{ patientId: string; purpose: string; resource: string; actor: Readonly<{ subject: string; role: string }>; accessedAt: string; reason?: string }>;

/**
 * Waits until the patient's access log in sharing (read with the patient's own token) satisfies `complete`, and
 * returns it. Services record reads in their own outbox and forward them right after, so a read reaches sharing's
 * log a moment after it was shown.
 */
export async function accessLogOf(sharingUrl: string, patientId: string, patientToken: string, complete: (entries: readonly AccessLogView[]) => boolean, what: string): Promise<readonly AccessLogView[]> {
  return eventually(async () => {
    const response = await fetch(`${sharingUrl}/api/patients/${patientId}/access-log`, { headers: { authorization: `Bearer ${patientToken}` } });
    if (response.status !== 200) throw new Error(`access log of ${patientId}: ${response.status} ${await response.text()}`);
    const { entries } = (await response.json()) as { entries: AccessLogView[] };
    return complete(entries) ? entries : undefined;
  }, what);
}

/** The table a service's access-log outbox lives in: `schema`'s, or the connection's own schema when omitted. */
const outboxTable = (schema?: string): string => (schema ? `"${schema}".access_log_outbox` : 'access_log_outbox');

/** The access-log entries of `patientId` still waiting in a service's outbox (not yet forwarded to sharing). */
export async function outboxEntriesOf(db: pg.Pool, patientId: string, schema?: string): Promise<AccessLogView[]> {
  const { rows } = await db.query<{ entry: AccessLogView }>(`SELECT entry FROM ${outboxTable(schema)} WHERE entry->>'patientId' = $1`, [patientId]);
  return rows.map((r) => r.entry);
}

/** Runs `work` while a service cannot write its access-log outbox (the table renamed away), then puts it back. */
export async function whileOutboxUnwritable<T>(db: pg.Pool, work: () => Promise<T>, schema?: string): Promise<T> {
  await db.query(`ALTER TABLE ${outboxTable(schema)} RENAME TO access_log_outbox_away`);
  try {
    return await work();
  } finally {
    await db.query(`ALTER TABLE ${schema ? `"${schema}".` : ''}access_log_outbox_away RENAME TO access_log_outbox`);
  }
}
