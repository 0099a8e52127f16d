/**
 * The Node.js options a service process runs with, unless the environment sets `NODE_OPTIONS` itself: the image's
 * `NODE_OPTIONS` (Dockerfile, scripts/image), `npm start` and the bench (deploy/local), the tests' service processes
 * (@varde/testing). An operator's own `NODE_OPTIONS` replaces them (Helm: `extraEnv`, or `services.<name>.extraEnv`).
 *
 * `--max-semi-space-size=64` lets V8's young generation grow to 64 MiB semi-spaces instead of its 16 MiB default. A
 * service under load holds each Bundle's entries, events and Kafka records across several awaits; with 16 MiB
 * semi-spaces much of that outlives a scavenge and is copied and promoted. Measured (docs/operations/benchmarks.md,
 * "Session 18", closed-loop bench): scavenges took 25 % of the measurements service's CPU and 16 % of triage's; with
 * 64 MiB their time per run fell from 6.4 to 5.0 s and from 3.4 to 2.2 s, and main without the background groups
 * went from ×0.90 to ×0.99–1.06 of `c6284e5` end to end. The price is peak memory: about +100 MiB in measurements.
 */
export const SERVICE_NODE_OPTIONS = '--max-semi-space-size=64';

/** The `NODE_OPTIONS` to start a service process with: the environment's own when it sets one, else SERVICE_NODE_OPTIONS. */
export function serviceNodeOptions(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const own = env['NODE_OPTIONS']?.trim();
  return own ? own : SERVICE_NODE_OPTIONS;
}
