import { HelseIdError, type HelseIdClient } from '@varde/helseid';
import { retryAfterMs, type PatientIdentifier } from '../../domain/pmd/pmd-batch';
import { PmdGateway, type GatewayAnswer } from '../../application/pmd/pmd.ports';

const FHIR_JSON = 'application/fhir+json';

/**
 * {@link PmdGateway} over HTTP with HelseID: every request DPoP-bound by the {@link HelseIdClient}. A 401 gets one new
 * token and one more try; a second 401 is `unauthorized` (an operator must look). 429/5xx and network failures are
 * `unavailable` with the server's `Retry-After`; another 4xx on the whole Bundle is `refused`.
 */
export class HelseIdPmdGateway extends PmdGateway {
  constructor(
    private readonly baseUrl: string,
    private readonly helseId: HelseIdClient,
  ) {
    super();
  }

  override async sendBatch(bundle: Readonly<Record<string, unknown>>): Promise<GatewayAnswer> {
    return this.post(this.baseUrl.replace(/\/$/, ''), FHIR_JSON, JSON.stringify(bundle));
  }

  override async searchObservations(patient: PatientIdentifier): Promise<GatewayAnswer> {
    const form = new URLSearchParams({ 'patient.identifier': `${patient.system}|${patient.value}` });
    return this.post(`${this.baseUrl.replace(/\/$/, '')}/Observation/_search`, 'application/x-www-form-urlencoded', form.toString());
  }

  /** Posts `body` to `url`; the answer as a {@link GatewayAnswer}. */
  async post(url: string, contentType: string, body: string): Promise<GatewayAnswer> {
    let response: Response;
    try {
      response = await this.send(url, contentType, body);
      if (response.status === 401) {
        const token = await this.helseId.accessToken();
        await response.body?.cancel();
        this.helseId.invalidate(token);
        response = await this.send(url, contentType, body);
      }
    } catch (error) {
      // HelseID answered but refused the client (its key, id or scopes): an operator must act, as for a 401.
      if (error instanceof HelseIdError && error.status !== undefined && error.status < 500) return { kind: 'unauthorized', reason: error.message };
      if (error instanceof HelseIdError) return { kind: 'unavailable', reason: error.message };
      return { kind: 'unavailable', reason: `PMD could not be reached: ${error instanceof Error ? error.message : String(error)}` };
    }
    const text = await response.text().catch(() => '');
    if (response.ok) {
      try {
        return { kind: 'answered', body: JSON.parse(text) as unknown };
      } catch {
        return { kind: 'answered', body: text };
      }
    }
    const reason = `PMD answered ${response.status}: ${text.slice(0, 500)}`;
    if (response.status === 401) return { kind: 'unauthorized', reason: `${reason} (${response.headers.get('www-authenticate') ?? ''})` };
    if (response.status === 429 || response.status === 408 || response.status >= 500) {
      const after = retryAfterMs(response.headers.get('retry-after'), Date.now());
      return { kind: 'unavailable', reason, ...(after === undefined ? {} : { retryAfterMs: after }) };
    }
    return { kind: 'refused', reason };
  }

  private send(url: string, contentType: string, body: string): Promise<Response> {
    return this.helseId.fetch(url, { method: 'POST', headers: { 'content-type': contentType, accept: FHIR_JSON }, body });
  }
}
