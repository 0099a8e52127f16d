import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from './metrics';

describe('MetricsRegistry', () => {
  it('renders the standard Varde metrics with the service label', async () => {
    const metrics = new MetricsRegistry('measurements');
    metrics.httpRequests.inc({ method: 'POST', route: '/fhir/Observation', status: '201' });
    metrics.httpRequestDuration.observe({ method: 'POST', route: '/fhir/Observation', status: '201' }, 0.042);
    metrics.eventsAppended.inc({ stream_type: 'measurement' }, 2);
    metrics.messagesPublished.inc({ topic: 'varde.measurements.v1' });
    metrics.messagesConsumed.inc({ topic: 'varde.measurements.v1', group: 'triage', outcome: 'duplicate' });
    metrics.relayLag.set(7);
    metrics.relayDelay.observe(0.03);
    metrics.messageDelivery.observe({ topic: 'varde.measurements.v1', group: 'triage.assessment' }, 1.5);

    const { contentType, body } = await metrics.render();

    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toContain('varde_http_requests_total{method="POST",route="/fhir/Observation",status="201",service="measurements"} 1');
    expect(body).toContain('varde_http_request_duration_seconds_bucket{le="0.05",service="measurements",method="POST",route="/fhir/Observation",status="201"} 1');
    expect(body).toContain('varde_events_appended_total{stream_type="measurement",service="measurements"} 2');
    expect(body).toContain('varde_messages_published_total{topic="varde.measurements.v1",service="measurements"} 1');
    expect(body).toContain('varde_messages_consumed_total{topic="varde.measurements.v1",group="triage",outcome="duplicate",service="measurements"} 1');
    expect(body).toContain('varde_relay_lag_events{service="measurements"} 7');
    expect(body).toContain('varde_relay_delay_seconds_bucket{le="0.05",service="measurements"} 1');
    expect(body).toContain('varde_message_delivery_seconds_bucket{le="1",service="measurements",topic="varde.measurements.v1",group="triage.assessment"} 0');
    expect(body).toContain('varde_message_delivery_seconds_bucket{le="2",service="measurements",topic="varde.measurements.v1",group="triage.assessment"} 1');
  });

  it('includes default Node metrics under the varde_ prefix', async () => {
    const { body } = await new MetricsRegistry('triage').render();

    expect(body).toMatch(/^varde_process_cpu_user_seconds_total\{service="triage"\} /m);
    expect(body).toMatch(/^varde_nodejs_heap_size_used_bytes\{service="triage"\} /m);
  });

  it('returns the same metric when asked twice by name, so components can share a counter', async () => {
    const metrics = new MetricsRegistry('forms');
    const first = metrics.counter('varde_responses_scored_total', 'Responses scored.', ['questionnaire']);
    const second = metrics.counter('varde_responses_scored_total', 'Responses scored.', ['questionnaire']);
    first.inc({ questionnaire: 'phq9' });
    second.inc({ questionnaire: 'phq9' });

    expect(second).toBe(first);
    expect(metrics.histogram('varde_http_request_duration_seconds', 'x', ['method', 'route', 'status'])).toBe(metrics.httpRequestDuration);
    expect((await metrics.render()).body).toContain('varde_responses_scored_total{questionnaire="phq9",service="forms"} 2');
  });

  it('refuses a name reused with another type or other labels, and names outside varde_', () => {
    const metrics = new MetricsRegistry('forms');
    metrics.gauge('varde_open_assignments', 'Open assignments.', ['questionnaire']);

    expect(() => metrics.counter('varde_open_assignments', 'x', ['questionnaire'])).toThrow(/already exists as a gauge/);
    expect(() => metrics.gauge('varde_open_assignments', 'x', ['pathway'])).toThrow(/labels \[questionnaire\]/);
    expect(() => metrics.counter('responses_total', 'x')).toThrow(/must start with "varde_"/);
  });
});
