/**
 * Mints a development access token and prints only the token, so `TOKEN=$(npm run --silent token -- --role clinician)`
 * works. DEVELOPMENT ONLY: signed with the local dev issuer's key (deploy/local/dev-issuer).
 */
import { parseArgs } from 'node:util';
import { ValidationError } from '@varde/core';
import { DEFAULT_AUDIENCE, DEFAULT_TTL_SECONDS, DEV_ISSUER_URL, mintDevToken, parseDevTokenRequest } from '../deploy/local/dev-issuer/mint-token';

const USAGE = `usage: npm run --silent token -- --role <role> [options]

  --role <role>          patient | guardian | clinician | pathway-designer | system | auditor
  --patient <id>[,<id>]  internal patient id (patient: exactly one; guardian: one or more, comma-separated)
  --team <id>[,<id>]     clinician's care teams (default copd-care-team, the COPD pathway's default team)
  --subject <sub>        token subject (default dev-<role>)
  --organisation <nr>    organisation number (default 999999999 for staff and system roles)
  --scope "<a> <b>"      scopes, replacing the role's defaults
  --ttl <seconds>        lifetime (default ${DEFAULT_TTL_SECONDS})
  --expired              mint a token that expired an hour ago (for testing 401s)

environment: VARDE_ISSUER (default ${DEV_ISSUER_URL}), VARDE_AUDIENCE (default ${DEFAULT_AUDIENCE}),
             VARDE_DATA_DIR (keys in $VARDE_DATA_DIR/dev-issuer; default <repo>/.data)`;

async function main(argv: readonly string[]): Promise<string> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      role: { type: 'string' },
      patient: { type: 'string' },
      team: { type: 'string' },
      subject: { type: 'string' },
      organisation: { type: 'string' },
      scope: { type: 'string' },
      ttl: { type: 'string' },
      expired: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) throw new UsageError('');
  const options = parseDevTokenRequest(values);
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  // Expired by a full hour, well past any verifier's clock tolerance.
  const issuedAt = values.expired ? new Date(Date.now() - (ttlSeconds + 3600) * 1000) : undefined;
  return mintDevToken({
    ...options,
    ...(issuedAt === undefined ? {} : { issuedAt }),
    issuer: process.env['VARDE_ISSUER'] ?? DEV_ISSUER_URL,
    audience: process.env['VARDE_AUDIENCE'] ?? DEFAULT_AUDIENCE,
  });
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (token) => process.stdout.write(`${token}\n`),
  (error: unknown) => {
    // parseArgs reports unknown or malformed flags with codes starting ERR_PARSE_ARGS.
    const isUsage =
      error instanceof UsageError || error instanceof ValidationError || String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
    if (!isUsage) {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    }
    if (error instanceof Error && error.message !== '') console.error(`error: ${error.message}\n`);
    console.error(USAGE);
    process.exit(error instanceof UsageError ? 0 : 2);
  },
);
