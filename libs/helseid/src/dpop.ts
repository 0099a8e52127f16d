import { createHash, randomUUID } from 'node:crypto';
import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';

/** What one DPoP proof is for (RFC 9449 § 4.2). */
export type DpopProofRequest = Readonly<{
  /** The HTTP method of the request. */
  method: string;
  /** The request URL; query and fragment are left out of `htu`. */
  url: string;
  /** The server's latest `DPoP-Nonce`, when it gave one. */
  nonce?: string;
  /** The access token the request carries: its hash goes into `ath`. */
  accessToken?: string;
}>;

/** `htu`: the URL without query and fragment (RFC 9449 § 4.2). */
export function dpopHtu(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

/** `ath`: base64url of the SHA-256 of the access token (RFC 9449 § 4.2). */
export function accessTokenHash(accessToken: string): string {
  return base64url.encode(createHash('sha256').update(accessToken, 'ascii').digest());
}

/**
 * The key pair this client proves possession of. Access tokens are bound to its thumbprint (`cnf.jkt`), so it
 * lives as long as the client; a new process makes a new one and gets new tokens.
 */
export class DpopKey {
  private constructor(
    private readonly privateKey: KeyLike,
    /** The public JWK that goes into every proof's header. */
    readonly publicJwk: JWK,
    /** Its RFC 7638 thumbprint: the `cnf.jkt` of tokens bound to it. */
    readonly thumbprint: string,
    private readonly alg: 'ES256' | 'RS256',
  ) {}

  /** A fresh key pair (ES256 by default: small proofs, fast to sign). */
  static async generate(alg: 'ES256' | 'RS256' = 'ES256'): Promise<DpopKey> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    return new DpopKey(privateKey, publicJwk, await calculateJwkThumbprint(publicJwk), alg);
  }

  /** A proof for one request: a new `jti` and `iat` each time, as a proof may be used only once. */
  proof(request: DpopProofRequest): Promise<string> {
    return new SignJWT({
      htm: request.method.toUpperCase(),
      htu: dpopHtu(request.url),
      ...(request.nonce ? { nonce: request.nonce } : {}),
      ...(request.accessToken ? { ath: accessTokenHash(request.accessToken) } : {}),
    })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: this.alg, jwk: this.publicJwk })
      .setJti(randomUUID())
      .setIssuedAt()
      .sign(this.privateKey);
  }
}
