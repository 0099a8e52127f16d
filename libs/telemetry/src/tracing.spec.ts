import { afterEach, describe, expect, it } from 'vitest';
import { currentTraceContext, startTracing, withTraceContext } from './tracing';

const savedEnv = { ...process.env };

describe('startTracing without a collector', () => {
  afterEach(() => {
    process.env = { ...savedEnv };
  });

  it('stays off when neither OTEL_TRACES_EXPORTER nor OTEL_EXPORTER_OTLP_ENDPOINT is set, and the helpers still run the work', async () => {
    delete process.env['OTEL_TRACES_EXPORTER'];
    delete process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
    const tracing = startTracing({ service: 'pathways' });

    const result = await withTraceContext({ traceparent: 'not-a-traceparent' }, 'relay publish', () => 42);

    expect(result).toBe(42);
    expect(currentTraceContext()).toEqual({});
    expect(tracing.getFinishedSpans()).toEqual([]);
    await tracing.shutdown();
  });

  it('rejects an exporter it does not support, naming the variable', () => {
    process.env['OTEL_TRACES_EXPORTER'] = 'zipkin';

    expect(() => startTracing({ service: 'pathways' })).toThrow(/OTEL_TRACES_EXPORTER="zipkin" is not supported/);
  });
});
