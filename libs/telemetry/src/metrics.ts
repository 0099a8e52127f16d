import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** How a consumer disposed of one message; the `outcome` label of `varde_messages_consumed_total`. */
export type ConsumeOutcome = 'processed' | 'duplicate' | 'retried' | 'dead_lettered';

/** What a `/metrics` endpoint sends back. */
export interface RenderedMetrics {
  readonly contentType: string;
  readonly body: string;
}

type MetricKind = 'counter' | 'histogram' | 'gauge';
type AnyMetric = Counter<string> | Histogram<string> | Gauge<string>;

const METRIC_PREFIX = 'varde_';
const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// The asynchronous path (relay, bus, consumer): a clinician waits on it, from tens of milliseconds to a backlog of minutes.
const PIPELINE_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300];

/**
 * One Prometheus registry per service: Node runtime metrics, a `service` label on every series, and the
 * metrics every Varde service records, so their names and labels cannot drift between services.
 */
export class MetricsRegistry {
  /** The underlying prom-client registry, for libraries that register their own collectors. */
  readonly registry = new Registry();
  private readonly metrics = new Map<string, { kind: MetricKind; labelNames: readonly string[]; metric: AnyMetric }>();

  /** HTTP requests served, by method, route template (never the raw URL, which can carry identities) and status. */
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  /** HTTP request latency in seconds. */
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  /** Events appended to this service's event store, by stream type. */
  readonly eventsAppended: Counter<'stream_type'>;
  /** Integration events the relay published, by topic. */
  readonly messagesPublished: Counter<'topic'>;
  /** Integration events consumed, by topic, consumer group and {@link ConsumeOutcome}. */
  readonly messagesConsumed: Counter<'topic' | 'group' | 'outcome'>;
  /** Events in this service's log not yet relayed; the `service` label comes from the registry default. */
  readonly relayLag: Gauge<string>;
  /** Seconds from an event recorded in the log to the bus acknowledging it. */
  readonly relayDelay: Histogram<string>;
  /** Seconds from an integration event recorded by its producer to a consumer group having handled it. */
  readonly messageDelivery: Histogram<'topic' | 'group'>;

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });

    const httpLabels = ['method', 'route', 'status'] as const;
    this.httpRequests = this.counter('varde_http_requests_total', 'HTTP requests served.', httpLabels);
    this.httpRequestDuration = this.histogram(
      'varde_http_request_duration_seconds',
      'HTTP request latency in seconds.',
      httpLabels,
      HTTP_DURATION_BUCKETS,
    );
    this.eventsAppended = this.counter('varde_events_appended_total', 'Events appended to the event store.', ['stream_type']);
    this.messagesPublished = this.counter('varde_messages_published_total', 'Integration events published.', ['topic']);
    this.messagesConsumed = this.counter('varde_messages_consumed_total', 'Integration events consumed, by outcome.', [
      'topic',
      'group',
      'outcome',
    ]);
    this.relayLag = this.gauge('varde_relay_lag_events', 'Events in the service log not yet relayed.');
    this.relayDelay = this.histogram('varde_relay_delay_seconds', 'From an event recorded in the service log to the bus acknowledging it.', [], PIPELINE_BUCKETS);
    this.messageDelivery = this.histogram(
      'varde_message_delivery_seconds',
      'From an integration event recorded by its producer to a consumer group having handled it (committed).',
      ['topic', 'group'],
      PIPELINE_BUCKETS,
    );
  }

  /** Returns the counter called `name`, creating it on first use. */
  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return this.getOrCreate('counter', name, labelNames, () => new Counter({ name, help, labelNames, registers: [this.registry] }));
  }

  /** Returns the histogram called `name`, creating it on first use; `buckets` are in the metric's unit. */
  histogram<L extends string>(name: string, help: string, labelNames: readonly L[] = [], buckets?: number[]): Histogram<L> {
    return this.getOrCreate(
      'histogram',
      name,
      labelNames,
      () => new Histogram({ name, help, labelNames, registers: [this.registry], ...(buckets ? { buckets } : {}) }),
    );
  }

  /** Returns the gauge called `name`, creating it on first use. */
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return this.getOrCreate('gauge', name, labelNames, () => new Gauge({ name, help, labelNames, registers: [this.registry] }));
  }

  /** Renders every metric in the Prometheus text format for a `/metrics` endpoint. */
  async render(): Promise<RenderedMetrics> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private getOrCreate<M extends AnyMetric>(kind: MetricKind, name: string, labelNames: readonly string[], create: () => M): M {
    if (!name.startsWith(METRIC_PREFIX)) {
      throw new Error(`Metric "${name}" must start with "${METRIC_PREFIX}" so dashboards can find every Varde metric.`);
    }
    const existing = this.metrics.get(name);
    if (existing) {
      // Same name with another shape would silently split one series into two meanings.
      if (existing.kind !== kind || existing.labelNames.join() !== labelNames.join()) {
        throw new Error(
          `Metric "${name}" already exists as a ${existing.kind} with labels [${existing.labelNames.join(', ')}]; ` +
            `asked for a ${kind} with labels [${labelNames.join(', ')}].`,
        );
      }
      return existing.metric as M;
    }
    const metric = create();
    this.metrics.set(name, { kind, labelNames: [...labelNames], metric });
    return metric;
  }
}
