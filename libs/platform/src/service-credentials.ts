import { Metadata } from '@grpc/grpc-js';
import { UnavailableError } from '@varde/core';
import type { ServiceName } from './platform-config';

/** Port: the credential this service sends with every call to another Varde service (ADR 0013). */
export abstract class ServiceCredentials {
  /** `Authorization: Bearer <token>` for a call to `callee`; throws UnavailableError when none can be had. */
  abstract authorization(callee: ServiceName): Promise<string>;

  /** gRPC metadata carrying {@link authorization} (and the correlation id, when given). */
  async metadata(callee: ServiceName, correlationId?: string): Promise<Metadata> {
    const metadata = new Metadata();
    metadata.set('authorization', await this.authorization(callee));
    if (correlationId) metadata.set('x-correlation-id', correlationId);
    return metadata;
  }
}

/** Where and as whom a service asks the issuer for its tokens. */
export type ClientCredentialsOptions = Readonly<{
  /** The issuer's token endpoint (OIDC_TOKEN_URL). */
  tokenUrl: string;
  /** This service's client id at the issuer (SERVICE_CLIENT_ID, default `varde-<service>`). */
  clientId: string;
  /** Its client secret (SERVICE_CLIENT_SECRET); the development issuer needs none. */
  clientSecret?: string;
  /** The audience of a callee's tokens: `audienceOf('sharing')` = `varde-sharing` by default. */
  audienceOf: (callee: ServiceName) => string;
}>;

// A token is renewed this long before it expires, so a call never leaves with one that expires on the way.
const RENEW_BEFORE_MS = 60_000;

/**
 * OAuth 2.0 client credentials (RFC 6749 § 4.4) from the configured issuer, one token per callee audience
 * (RFC 8707 `resource`, and `audience` as the development issuer and most providers read it), reused until a
 * minute before it expires. Concurrent calls share one request to the issuer.
 */
export class ClientCredentialsTokens extends ServiceCredentials {
  private readonly tokens = new Map<string, Promise<{ authorization: string; renewAtMs: number }>>();

  constructor(private readonly options: ClientCredentialsOptions) {
    super();
  }

  override async authorization(callee: ServiceName): Promise<string> {
    const audience = this.options.audienceOf(callee);
    const cached = this.tokens.get(audience);
    if (cached) {
      const token = await cached.catch(() => undefined);
      if (token && token.renewAtMs > Date.now()) return token.authorization;
      if (this.tokens.get(audience) === cached) this.tokens.delete(audience);
    }
    let request = this.tokens.get(audience);
    if (!request) {
      request = this.fetchToken(audience);
      this.tokens.set(audience, request);
      request.catch(() => this.tokens.delete(audience));
    }
    return (await request).authorization;
  }

  private async fetchToken(audience: string): Promise<{ authorization: string; renewAtMs: number }> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: this.options.clientId, audience, resource: audience });
    if (this.options.clientSecret) form.set('client_secret', this.options.clientSecret);
    let response: Response;
    try {
      response = await fetch(this.options.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form, signal: AbortSignal.timeout(5_000) });
    } catch (error) {
      throw new UnavailableError(`could not get a service token for ${audience} from ${this.options.tokenUrl}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const body = (await response.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown };
    if (!response.ok || typeof body.access_token !== 'string') {
      throw new UnavailableError(`the issuer refused a service token for ${audience} (${response.status} ${String(body.error ?? '')} ${String(body.error_description ?? '')})`.trim());
    }
    const lifetimeMs = (typeof body.expires_in === 'number' ? body.expires_in : 300) * 1000;
    return { authorization: `Bearer ${body.access_token}`, renewAtMs: Date.now() + Math.max(lifetimeMs - RENEW_BEFORE_MS, lifetimeMs / 2) };
  }
}
