/**
 * The Node.js options a service process runs with, unless the environment sets `NODE_OPTIONS` itself: `npm start` and
 * the bench (deploy/local), the tests' service processes (@varde/testing), and the Helm chart's values
 * (`services.<name>.extraEnv`). The image sets none, so a service run from it without the chart has V8's defaults.
 * An operator's own `NODE_OPTIONS` replaces them.
 *
 * `--max-semi-space-size=64` lets V8's young generation grow to 64 MiB semi-spaces instead of its 16 MiB default, in
 * the two services on the ingest path. Under load they hold each Bundle's entries, events and Kafka records across
 * several awaits; with 16 MiB semi-spaces much of that outlives a scavenge and is copied and promoted. Measured
 * (docs/operations/benchmarks.md, "Session 18", closed-loop bench): scavenges took 25 % of the measurements service's
 * CPU and 16 % of triage's; with 64 MiB their time per run fell from 6.4 to 5.0 s and from 3.4 to 2.2 s, and main
 * without the background groups went from ×0.90 to ×0.99–1.06 of `c6284e5` end to end. The price is memory: the
 * young generation, once grown, stays (+100 to +140 MiB RSS, at rest too). Forms, pathways and sharing do little per
 * measurement, so they keep V8's default ("Session 20": 140 MiB less each at rest).
 */
export const SERVICE_NODE_OPTIONS: Readonly<Record<string, string>> = {
  measurements: '--max-semi-space-size=64',
  triage: '--max-semi-space-size=64',
};

/** The `NODE_OPTIONS` to start `service` with: the environment's own when it sets one, else the service's SERVICE_NODE_OPTIONS (none: empty). */
export function serviceNodeOptions(service: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const own = env['NODE_OPTIONS']?.trim();
  return own ? own : (SERVICE_NODE_OPTIONS[service] ?? '');
}
