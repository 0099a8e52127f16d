import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** What a checkpoint vouches for: the chain of one service's log up to `seq`, whose hash is `hash`. */
export type CheckpointClaim = Readonly<{ schema: string; seq: string; hash: string; signedAt: string }>;

/** A signed checkpoint, as kept in `event_chain_checkpoints` and handed to a third party. */
export type SignedCheckpoint = CheckpointClaim & Readonly<{ keyId: string; publicKey: string; signature: string }>;

/** The bytes a checkpoint's signature covers. */
const signedBytes = (claim: CheckpointClaim): Buffer =>
  Buffer.from(JSON.stringify(['varde-event-chain-checkpoint/v1', claim.schema, claim.seq, claim.hash, claim.signedAt]));

/** A signing key from its PKCS#8 PEM text (Ed25519). */
export function checkpointSigningKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`the event chain signing key must be Ed25519, not ${key.asymmetricKeyType ?? 'unknown'}`);
  return key;
}

/** The key id of a public key: the SHA-256 of its SPKI DER, hex, first 16 characters. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

/** Signs a checkpoint claim with an Ed25519 key. */
export function signCheckpoint(claim: CheckpointClaim, privateKey: KeyObject): SignedCheckpoint {
  const publicKey = createPublicKey(privateKey);
  return {
    ...claim,
    keyId: keyIdOf(publicKey),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    signature: sign(null, signedBytes(claim), privateKey).toString('base64'),
  };
}

/**
 * Whether `checkpoint`'s signature is valid. With `trusted` (the operator's published public keys, PEM), the
 * key must also be one of them: a key stored beside the checkpoint proves nothing to a third party by itself.
 */
export function checkpointSignatureValid(checkpoint: SignedCheckpoint, trusted?: readonly string[]): boolean {
  const publicKey = createPublicKey(checkpoint.publicKey);
  if (trusted && !trusted.some((pem) => keyIdOf(createPublicKey(pem)) === keyIdOf(publicKey))) return false;
  return verify(null, signedBytes(checkpoint), publicKey, Buffer.from(checkpoint.signature, 'base64'));
}
