import { readFileSync } from 'node:fs';
import { env, loadConfig, z } from '@varde/config';
import { checkpointSigningKey, EventChainSealer } from '@varde/event-sourcing';
import type { Infrastructure } from './infrastructure';

/** The event chain's settings, from the environment (see docs/operations/configuration.md). */
export function loadEventChainConfig(source: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(
    {
      EVENT_CHAIN_SIGNING_KEY: z.string().optional(),
      EVENT_CHAIN_SIGNING_KEY_FILE: z.string().optional(),
      EVENT_CHAIN_SEAL_EVERY_MS: env.int(1_000),
      EVENT_CHAIN_CHECKPOINT_EVERY_MS: env.int(300_000),
    },
    source,
  );
  const { EVENT_CHAIN_SIGNING_KEY: pem, EVENT_CHAIN_SIGNING_KEY_FILE: file } = config;
  const readKeyFile = () => checkpointSigningKey(readFileSync(file!, 'utf8'));
  // Read once here, so a bad key stops the service at start-up with a clear message, not at the first checkpoint.
  const key = file ? readKeyFile() : pem ? checkpointSigningKey(pem) : undefined;
  return {
    // A file is read again at every checkpoint: a key rotated in its Secret is used without a restart.
    signingKey: file ? readKeyFile : key,
    sealEveryMs: config.EVENT_CHAIN_SEAL_EVERY_MS,
    checkpointEveryMs: config.EVENT_CHAIN_CHECKPOINT_EVERY_MS,
  };
}

/** A sealer for the service's event log (ADR 0008); its tables come from the event chain's migrations, run at start-up. */
export function createEventChainSealer(infra: Infrastructure, source: NodeJS.ProcessEnv = process.env): EventChainSealer {
  const config = loadEventChainConfig(source);
  return new EventChainSealer({
    pool: infra.pool,
    schema: infra.config.database.schema,
    signingKey: config.signingKey,
    intervalMs: config.sealEveryMs,
    checkpointEveryMs: config.checkpointEveryMs,
    onError: (error) => infra.logger.warn({ err: error }, 'sealing the event chain failed; trying again'),
  });
}
