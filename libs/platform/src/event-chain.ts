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
  // Checked once at start-up so a bad key stops the service with a clear message, not at the first checkpoint.
  if (pem) checkpointSigningKey(pem);
  if (file) checkpointSigningKey(readFileSync(file, 'utf8'));
  return {
    // A file is read again at every checkpoint: a key rotated in its Secret is used without a restart.
    signingKey: file ? () => checkpointSigningKey(readFileSync(file, 'utf8')) : pem ? checkpointSigningKey(pem) : undefined,
    sealEveryMs: config.EVENT_CHAIN_SEAL_EVERY_MS,
    checkpointEveryMs: config.EVENT_CHAIN_CHECKPOINT_EVERY_MS,
  };
}

/** A sealer for the service's event log (see ADR on tamper evidence); its tables are prepared by the caller at start-up. */
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
