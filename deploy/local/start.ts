import { startPlatform } from './platform';

/** `npm start` (embedded) and `npm run start:kafka`, each with `-- --feed` for the public event feed: the whole platform until Ctrl-C. */
async function main(): Promise<void> {
  const kafka = process.argv.includes('--kafka');
  const publicFeed = process.argv.includes('--feed');
  // VARDE_PORT_OFFSET moves every port (8080 → 8080 + offset …), to run a second platform beside the first.
  const platform = await startPlatform({ kafka, publicFeed, portOffset: Number(process.env.VARDE_PORT_OFFSET ?? 0) });
  if (platform.publicFeed) {
    process.stdout.write(`Public event feed at ${platform.publicFeed.brokers} (SASL/SCRAM-SHA-512); each trust reads varde.public.<orgnr>.* as:\n`);
    for (const trust of platform.publicFeed.trusts) process.stdout.write(`  ${trust.organisationNumber}: user ${trust.username}, password ${trust.password}\n`);
  }
  process.stdout.write(`Varde ready at ${platform.baseUrl}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('stopping …\n');
    platform.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`Varde failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
