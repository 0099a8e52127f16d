import { eventually } from './eventually';

/** One entry of a patient's access log as sharing's HTTP API shows it. */
export type AccessLogView = Readonly<{ patientId: string; purpose: string; resource: string; actor: Readonly<{ subject: string; role: string }>; accessedAt: string }>;

/**
 * Waits until the patient's access log in sharing (read with the patient's own token) satisfies `complete`, and
 * returns it. Services record reads in their own outbox and forward them right after,
 * so a read reaches sharing's log a moment after it was shown.
 */
export async function accessLogOf(sharingUrl: string, patientId: string, patientToken: string, complete: (entries: readonly AccessLogView[]) => boolean, what: string): Promise<readonly AccessLogView[]> {
  return eventually(async () => {
    const response = await fetch(`${sharingUrl}/api/patients/${patientId}/access-log`, { headers: { authorization: `Bearer ${patientToken}` } });
    if (response.status !== 200) throw new Error(`access log of ${patientId}: ${response.status} ${await response.text()}`);
    const { entries } = (await response.json()) as { entries: AccessLogView[] };
    return complete(entries) ? entries : undefined;
  }, what);
}
