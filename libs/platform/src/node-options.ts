/**
 * The Node.js options a service process runs with, unless the environment sets `NODE_OPTIONS` itself: the image's
 * `NODE_OPTIONS` (Dockerfile, scripts/image), `npm start` and the bench (deploy/local), the tests' service processes
 * (@varde/testing). An operator's own `NODE_OPTIONS` replaces them (Helm: `extraEnv`, or `services.<name>.extraEnv`).
 *
 * `--max-semi-space-size=64` lets V8's young generation grow to 64 MiB semi-spaces instead of its 16 MiB default. A
 * service under load holds each batch's requests, events and Kafka records across several awaits; with 16 MiB
 * semi-spaces many of them outlive a scavenge, are copied, promoted, and collected again by the old generation. With
 * 64 MiB they die young. Measured (docs/operations/benchmarks.md, "Session 18"): the closed-loop bench, load → all
 * triaged, +20 % without the background groups and +10 % with them; CPU per measurement −0.09 ms in measurements
 * and −0.07 ms in triage; peak RSS about +100 MiB in measurements, within the chart's limits.
 */
export const SERVICE_NODE_OPTIONS = '--max-semi-space-size=64';

/** The `NODE_OPTIONS` to start a service process with: the environment's own when it sets one, else SERVICE_NODE_OPTIONS. */
export function serviceNodeOptions(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const own = env['NODE_OPTIONS']?.trim();
  return own ? own : SERVICE_NODE_OPTIONS;
}
