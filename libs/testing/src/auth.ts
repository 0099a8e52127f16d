import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '@varde/core';
import { ClientCredentialsTokens, type ServiceCredentials } from '@varde/platform';
import { startDevIssuer } from '../../../deploy/local/dev-issuer/dev-issuer';
import { mintDevToken } from '../../../deploy/local/dev-issuer/mint-token';

/** A development issuer for a test, and a way to mint its tokens. */
export type TestIssuer = Readonly<{
  url: string;
  /** Mints a token; a clinician's care teams default to `['copd-care-team']` (the COPD pathway's default team). */
  token: (role: Role, options?: { patientId?: string; patientIds?: string[]; careTeams?: string[]; ttlSeconds?: number; subject?: string; issuedAt?: Date; scopes?: string[]; audience?: string; organisation?: string; hprNumber?: string }) => Promise<string>;
  /** Service credentials from this issuer (client `varde-test`), for tests that call a service's gRPC port (ADR 0013). */
  credentials: ServiceCredentials;
  close: () => Promise<void>;
}>;

/** Starts the real development issuer on a free port with its own keys. */
export async function startTestIssuer(): Promise<TestIssuer> {
  const keysDir = await mkdtemp(join(tmpdir(), 'varde-issuer-'));
  const issuer = await startDevIssuer({ port: 0, keysDir });
  return {
    url: issuer.url,
    token: (role, options = {}) => mintDevToken({ role, issuer: issuer.url, keysDir, ...options }),
    credentials: new ClientCredentialsTokens({ tokenUrl: `${issuer.url}/token`, clientId: 'varde-test', audienceOf: (callee) => `varde-${callee}` }),
    close: issuer.close,
  };
}

/**
 * The `Audit-Reason` header an auditor's request needs to open a patient's data (issue #22), when `token` is an
 * auditor's; none for any other role. Test helpers that send a token for any role spread it into their headers.
 */
export function auditReasonFor(token: string | null | undefined, reason = 'integration test of the audit trail'): Record<string, string> {
  const payload = token?.split('.')[1];
  if (!payload) return {};
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  return claims['varde_role'] === 'auditor' ? { 'audit-reason': reason } : {};
}
