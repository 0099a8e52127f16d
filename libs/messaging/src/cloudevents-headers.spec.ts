import { ValidationError } from '@varde/core';
import { describe, expect, it } from 'vitest';
import { decodeCloudEventHeaders, encodeCloudEventHeaders, type CloudEventAttributes } from './cloudevents-headers';

const attributes: CloudEventAttributes = {
  id: '0b7a3c1e-5d2f-4f7e-9a51-3c1f6a2b9d10',
  type: 'varde.measurements.v1.MeasurementRecorded',
  source: 'varde/measurements',
  time: '2026-03-01T08:15:00.000Z',
  recordedTime: '2026-03-01T08:15:02.120Z',
  correlationId: 'corr-1',
  causationId: 'cause-1',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  tracestate: 'varde=1',
  headers: { 'dlt-error': 'handler failed: boom', 'dlt-attempts': '5' },
};

/** Kafka clients hand header values back as bytes. */
const asReceived = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)]));

describe('CloudEvents Kafka headers (binary mode)', () => {
  it('writes the spec version, content type and ce_ attributes other trusts expect', () => {
    expect(encodeCloudEventHeaders(attributes)).toEqual({
      ce_specversion: '1.0',
      ce_id: attributes.id,
      ce_type: attributes.type,
      ce_source: attributes.source,
      ce_time: attributes.time,
      ce_recordedtime: attributes.recordedTime,
      ce_correlationid: 'corr-1',
      ce_causationid: 'cause-1',
      'content-type': 'application/protobuf',
      ce_traceparent: attributes.traceparent,
      ce_tracestate: 'varde=1',
      'dlt-error': 'handler failed: boom',
      'dlt-attempts': '5',
    });
  });

  it('decodes what it encodes, from bytes as a consumer receives them', () => {
    expect(decodeCloudEventHeaders(asReceived(encodeCloudEventHeaders(attributes)))).toEqual(attributes);
  });

  it('round-trips a message without trace context or extra headers, adding none', () => {
    const { traceparent: _p, tracestate: _s, headers: _h, ...plain } = attributes;
    const decoded = decodeCloudEventHeaders(asReceived(encodeCloudEventHeaders(plain)));
    expect(decoded).toEqual(plain);
    expect(Object.keys(decoded)).not.toContain('headers');
  });

  it('reads header bytes where the client left them: slices of one response buffer, plain Uint8Array views', () => {
    // kafkajs hands every header over as a slice of the fetched response; other clients give bare Uint8Arrays.
    const encoded = Object.entries(encodeCloudEventHeaders(attributes));
    const response = Buffer.from(`garbage|${encoded.map(([, v]) => v).join('|')}|garbage`);
    let at = 'garbage|'.length;
    const sliced = Object.fromEntries(
      encoded.map(([name, value], i) => {
        const bytes = Buffer.byteLength(value);
        const view = i % 2 === 0 ? response.subarray(at, at + bytes) : new Uint8Array(response.buffer, response.byteOffset + at, bytes);
        at += bytes + 1;
        return [name, view];
      }),
    );
    expect(decodeCloudEventHeaders(sliced)).toEqual(attributes);
  });

  it('takes the first value of a repeated header', () => {
    const headers = { ...asReceived(encodeCloudEventHeaders(attributes)), ce_id: [Buffer.from('first'), Buffer.from('second')] };
    expect(decodeCloudEventHeaders(headers).id).toBe('first');
  });

  it('refuses an extra header that would overwrite an attribute', () => {
    expect(() => encodeCloudEventHeaders({ ...attributes, headers: { CE_ID: 'forged' } })).toThrow(ValidationError);
  });

  it('rejects a record that is not a CloudEvent 1.0, naming what is wrong', () => {
    expect(() => decodeCloudEventHeaders({ 'content-type': 'application/json' })).toThrow(/ce_specversion: is missing/);
    expect(() => decodeCloudEventHeaders({ ...encodeCloudEventHeaders(attributes), ce_specversion: '0.3' })).toThrow(/only 1.0/);
    const { ce_source: _source, ce_time: _time, ...incomplete } = encodeCloudEventHeaders(attributes);
    expect(() => decodeCloudEventHeaders(incomplete)).toThrow('ce_source: is missing; ce_time: is missing');
  });
});
