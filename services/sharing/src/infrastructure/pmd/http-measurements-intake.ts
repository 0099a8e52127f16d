import type { ServiceCredentials } from '@varde/platform';
import { MeasurementsIntake } from '../../application/pmd/pmd.ports';

/**
 * {@link MeasurementsIntake} over measurements' FHIR API (`POST /fhir/Observation`) with sharing's own `system`
 * token for the public API: measurements lets it record for enrolled patients as an importer (MEASUREMENT_IMPORTERS)
 * with the performer as provenance. A 4xx is a refusal with measurements' reason; anything else throws (tried again).
 */
export class HttpMeasurementsIntake extends MeasurementsIntake {
  constructor(
    private readonly measurementsUrl: string,
    private readonly credentials: ServiceCredentials,
  ) {
    super();
  }

  override async record(observation: Readonly<Record<string, unknown>>): Promise<Readonly<{ recorded: true } | { recorded: false; reason: string }>> {
    const response = await fetch(`${this.measurementsUrl.replace(/\/$/, '')}/fhir/Observation`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', authorization: await this.credentials.authorization('measurements') },
      body: JSON.stringify(observation),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json().catch(() => undefined)) as { issue?: { diagnostics?: string }[]; detail?: string } | undefined;
    if (response.ok) return { recorded: true };
    const reason = `${response.status} ${body?.issue?.map((i) => i.diagnostics).join('; ') ?? body?.detail ?? ''}`.trim();
    if (response.status >= 400 && response.status < 500 && response.status !== 401 && response.status !== 429) return { recorded: false, reason };
    throw new Error(`measurements did not record the Observation: ${reason}`);
  }
}
