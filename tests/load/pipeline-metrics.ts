import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningPlatform, Service } from '../../deploy/local/platform';
import { round1 } from './bench-harness';

/** Count, mean and estimated quantiles of one histogram series, in milliseconds. */
export type HistogramFigures = Readonly<{ count: number; meanMs: number; p50Ms: number; p99Ms: number }>;

/** Where the asynchronous part of ingest → worklist went, from the services' own histograms (docs/operations/observability.md). */
export type PipelineFigures = Readonly<{
  /** Measurements' relay: event recorded → bus acknowledged. */
  measurementsRelay?: HistogramFigures;
  /** Triage's assessment group on the measurements topic: event recorded → handled and committed. */
  triageDelivery?: HistogramFigures;
}>;

/**
 * A histogram series of a Prometheus text exposition: the `_bucket` lines of `name` whose labels contain every
 * `labels` pair, with quantiles interpolated linearly inside a bucket as PromQL's histogram_quantile does.
 */
export function histogramFigures(text: string, name: string, labels: Readonly<Record<string, string>> = {}): HistogramFigures | undefined {
  const series = (suffix: string) => seriesLines(text, `${name}_${suffix}`, labels);
  const buckets = series('bucket')
    .map((line) => ({ le: Number(/le="([^"]+)"/.exec(line)![1]!.replace('+Inf', 'Infinity')), count: Number(line.slice(line.lastIndexOf(' ') + 1)) }))
    .sort((a, b) => a.le - b.le);
  const count = buckets.at(-1)?.count ?? 0;
  if (count === 0) return undefined;
  const sum = Number(series('sum')[0]?.split(' ').at(-1) ?? 0);
  const quantile = (q: number): number => {
    const rank = q * count;
    let lower = 0;
    let below = 0;
    for (const { le, count: upTo } of buckets) {
      if (upTo >= rank) return le === Infinity ? lower : lower + ((le - lower) * (rank - below)) / Math.max(1, upTo - below);
      [lower, below] = [le, upTo];
    }
    return lower;
  };
  return { count, meanMs: round1((sum / count) * 1000), p50Ms: round1(quantile(0.5) * 1000), p99Ms: round1(quantile(0.99) * 1000) };
}

/** The lines of metric `name` (a series name, e.g. `x_bucket`) whose labels contain every `labels` pair. */
function seriesLines(text: string, name: string, labels: Readonly<Record<string, string>>): string[] {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) && wanted.every((pair) => line.includes(pair)));
}

/** Sum of the series of counter `name` whose labels contain every `labels` pair, in a Prometheus text exposition. */
export function counterSum(text: string, name: string, labels: Readonly<Record<string, string>>): number {
  return seriesLines(text, name, labels).reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** A service's /metrics text; throws when the service does not answer. */
export async function serviceMetrics(platform: RunningPlatform, service: Service): Promise<string> {
  const response = await fetch(`${platform.serviceUrl(service)}/metrics`, { signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`GET ${service} /metrics answered ${response.status}`);
  return response.text();
}

/** Triage's assessment group on the measurements topic: the end of ingest → worklist's asynchronous path. */
const TRIAGE_ASSESSMENT = { topic: 'varde.measurements.v1', group: 'triage.assessment' };

/** Reads the pipeline histograms from the running services (cumulative since they started, i.e. mostly the load). */
export async function readPipeline(platform: RunningPlatform): Promise<PipelineFigures> {
  const metrics = (service: 'measurements' | 'triage'): Promise<string> => serviceMetrics(platform, service).catch(() => '');
  const [measurements, triage] = await Promise.all([metrics('measurements'), metrics('triage')]);
  const measurementsRelay = histogramFigures(measurements, 'varde_relay_delay_seconds');
  const triageDelivery = histogramFigures(triage, 'varde_message_delivery_seconds', TRIAGE_ASSESSMENT);
  return { ...(measurementsRelay ? { measurementsRelay } : {}), ...(triageDelivery ? { triageDelivery } : {}) };
}

/** One table row of a histogram's figures. */
export const pipelineRow = (h: HistogramFigures | undefined): string => (h ? `p50 ${h.p50Ms} ms · p99 ${h.p99Ms} ms · mean ${h.meanMs} ms (${h.count} events, from the services' histograms)` : 'not recorded');

/** Measurements triage's assessment group has handled since it started (the count of its delivery histogram). */
export async function triagedCount(platform: RunningPlatform): Promise<number> {
  return counterSum(await serviceMetrics(platform, 'triage'), 'varde_message_delivery_seconds_count', TRIAGE_ASSESSMENT);
}

/** Whether triage reached the count asked for, or how many it had handled when the time ran out. */
export type Triaged = Readonly<{ drained: true } | { drained: false; triaged: number }>;

/** Polls triage's metrics until it has handled `target` measurements since it started (see triagedCount). */
export async function untilTriaged(platform: RunningPlatform, target: number, timeoutMs: number, pollMs = 250): Promise<Triaged> {
  const started = Date.now();
  for (;;) {
    const triaged = await triagedCount(platform);
    if (triaged >= target) return { drained: true };
    if (Date.now() - started >= timeoutMs) return { drained: false, triaged };
    await sleep(pollMs);
  }
}
