import { stat, readFile } from 'node:fs/promises';
import { calculateJwkThumbprint, importJWK, type JWK, type KeyLike } from 'jose';

/** The algorithms HelseID accepts for a client assertion that this client can sign with. */
export const CLIENT_ASSERTION_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const;

/** One of {@link CLIENT_ASSERTION_ALGORITHMS}. */
export type ClientAssertionAlgorithm = (typeof CLIENT_ASSERTION_ALGORITHMS)[number];

/** The client's private key as the client assertion is signed with it. */
export type ClientSigningKey = Readonly<{ privateKey: KeyLike | Uint8Array; kid: string; alg: ClientAssertionAlgorithm }>;

/** Port: where the client's signing key comes from. Asked before every client assertion, so a rotated key is used at once. */
export abstract class ClientKeySource {
  /** The key to sign the next client assertion with. */
  abstract current(): Promise<ClientSigningKey>;
}

/**
 * Reads a private JWK (JSON) into a signing key: `alg` from the JWK or its key type (RSA → RS256, EC P-256 →
 * ES256), `kid` from the JWK or its RFC 7638 thumbprint — what HelseID's self-service shows for the public key.
 */
export async function signingKeyFromJwk(json: string, where: string): Promise<ClientSigningKey> {
  let jwk: JWK;
  try {
    jwk = JSON.parse(json) as JWK;
  } catch {
    throw new Error(`${where}: expected a private JWK as JSON`);
  }
  if (typeof jwk !== 'object' || jwk === null || !jwk.kty) throw new Error(`${where}: expected a private JWK (an object with "kty")`);
  if (!jwk.d) throw new Error(`${where}: the JWK has no private part ("d"); HelseID needs the private key to sign client assertions`);
  const alg = (jwk.alg ?? defaultAlgorithm(jwk)) as ClientAssertionAlgorithm;
  if (!CLIENT_ASSERTION_ALGORITHMS.includes(alg)) throw new Error(`${where}: alg ${String(jwk.alg)} is not one of ${CLIENT_ASSERTION_ALGORITHMS.join(', ')}`);
  const kid = jwk.kid ?? (await calculateJwkThumbprint(jwk));
  return { privateKey: await importJWK(jwk, alg), kid, alg };
}

function defaultAlgorithm(jwk: JWK): string | undefined {
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC') return ({ 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' } as Record<string, string>)[jwk.crv ?? ''];
  return undefined;
}

/** A key given once, e.g. inline in configuration (`HELSEID_CLIENT_JWK`); rotating it needs a restart. */
export class StaticKeySource extends ClientKeySource {
  constructor(private readonly key: Promise<ClientSigningKey>) {
    super();
    // Surfaced on the first current(); not an unhandled rejection before it.
    key.catch(() => undefined);
  }

  override current(): Promise<ClientSigningKey> {
    return this.key;
  }
}

/**
 * The key in a file (`HELSEID_CLIENT_JWK_FILE`, e.g. a mounted Kubernetes Secret), read again whenever the
 * file changes: an operator rotates the key by replacing the file, without a restart. A file that cannot be read
 * or parsed keeps the last good key in use (and says why in the error when there is none).
 */
export class JwkFileKeySource extends ClientKeySource {
  private loaded?: { version: string; key: ClientSigningKey };

  constructor(private readonly path: string) {
    super();
  }

  override async current(): Promise<ClientSigningKey> {
    try {
      const info = await stat(this.path);
      const version = `${info.mtimeMs}:${info.size}:${info.ino}`;
      if (this.loaded?.version === version) return this.loaded.key;
      const key = await signingKeyFromJwk(await readFile(this.path, 'utf8'), this.path);
      this.loaded = { version, key };
      return key;
    } catch (error) {
      if (this.loaded) return this.loaded.key;
      throw error;
    }
  }
}
