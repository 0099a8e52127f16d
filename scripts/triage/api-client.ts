import type { Role } from '@varde/core';
import { DEFAULT_AUDIENCE, DEV_ISSUER_URL, mintDevToken } from '../../deploy/local/dev-issuer/mint-token';

/** Where the triage CLIs send their requests: VARDE_URL (default the local router) with VARDE_TOKEN or a dev token. */
export type ApiTarget = Readonly<{ baseUrl: string; token: string }>;

/**
 * The base URL and bearer token for a CLI acting as `role`. In a hospital, VARDE_TOKEN holds a real token
 * from HelseID; on a developer machine a token is minted with the local dev issuer.
 */
export async function apiTarget(role: Role): Promise<ApiTarget> {
  const baseUrl = (process.env['VARDE_URL'] ?? 'http://localhost:8080').replace(/\/$/, '');
  const token =
    process.env['VARDE_TOKEN'] ??
    (await mintDevToken({ role, subject: `cli-${role}`, issuer: process.env['VARDE_ISSUER'] ?? DEV_ISSUER_URL, audience: process.env['VARDE_AUDIENCE'] ?? DEFAULT_AUDIENCE }));
  return { baseUrl, token };
}

/** Calls the API (with `extraHeaders`, e.g. an auditor's `Audit-Reason`); answers the parsed JSON body, or throws with the problem details the API gave. */
export async function callApi<T>(target: ApiTarget, method: string, path: string, body?: { json?: unknown; yaml?: string }, extraHeaders: Readonly<Record<string, string>> = {}): Promise<T> {
  const headers: Record<string, string> = { ...extraHeaders, authorization: `Bearer ${target.token}` };
  let payload: string | undefined;
  if (body?.yaml !== undefined) {
    headers['content-type'] = 'application/yaml';
    payload = body.yaml;
  } else if (body?.json !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body.json);
  }
  const response = await fetch(`${target.baseUrl}${path}`, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
  const text = await response.text();
  if (!response.ok) throw new ApiError(response.status, text);
  return JSON.parse(text) as T;
}

/** An answer other than 2xx, with the problem details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}: ${describeProblem(body)}`);
  }
}

function describeProblem(body: string): string {
  try {
    const problem = JSON.parse(body) as { detail?: string; errors?: { field: string; message: string }[] };
    if (problem.errors?.length) return problem.errors.map((e) => `\n  ${e.field}: ${e.message}`).join('');
    return problem.detail ?? body;
  } catch {
    return body;
  }
}
