import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK, type KeyLike } from 'jose';

/** The development issuer's signing key. DEVELOPMENT ONLY: the private key sits unencrypted on disk. */
export type DevKeys = Readonly<{
  kid: string;
  privateKey: KeyLike;
  /** The public half as a JWKS document, as served at `/jwks`. */
  jwks: Readonly<{ keys: readonly JWK[] }>;
}>;

/** The keys' folder: `$VARDE_DATA_DIR/dev-issuer`, else `<repo>/.data/dev-issuer` (git-ignored). */
export function defaultDevKeysDir(): string {
  const dataDir = process.env['VARDE_DATA_DIR'] ?? resolve(__dirname, '../../../.data');
  return join(dataDir, 'dev-issuer');
}

const PRIVATE_FILE = 'private.jwk.json';
const PUBLIC_FILE = 'jwks.json';
const PRIVATE_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi']);

/** Loads the RS256 dev key pair from `dir`, creating it the first time; every tool that mints or verifies shares it. */
export async function loadOrCreateDevKeys(dir: string = defaultDevKeysDir()): Promise<DevKeys> {
  await mkdir(dir, { recursive: true });
  const privatePath = join(dir, PRIVATE_FILE);
  const privateJwk = (await readJwk(privatePath)) ?? (await createPrivateJwk(dir, privatePath));
  const publicJwk = Object.fromEntries(Object.entries(privateJwk).filter(([member]) => !PRIVATE_MEMBERS.has(member))) as JWK;
  const jwks = { keys: [publicJwk] };
  await writeAtomically(join(dir, PUBLIC_FILE), `${JSON.stringify(jwks, null, 2)}\n`);
  const privateKey = await importJWK(privateJwk, 'RS256');
  if (privateJwk.kid === undefined || privateKey instanceof Uint8Array) throw new Error(`${privatePath} is not an RS256 private JWK with a kid`);
  return { kid: privateJwk.kid, privateKey, jwks };
}

async function readJwk(path: string): Promise<JWK | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

// The issuer and the token script may start at the same moment: the key is written to a temporary file and
// hard-linked into place, which fails if another process won, and then that process's key is used.
async function createPrivateJwk(dir: string, privatePath: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  const complete: JWK = { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' };
  const temporary = join(dir, `${PRIVATE_FILE}.${randomUUID()}.tmp`);
  await writeFile(temporary, `${JSON.stringify(complete, null, 2)}\n`, { mode: 0o600 });
  try {
    await link(temporary, privatePath);
    return complete;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = await readJwk(privatePath);
    if (winner === undefined) throw error;
    return winner;
  } finally {
    await unlink(temporary);
  }
}

async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.${randomUUID()}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, path);
}
