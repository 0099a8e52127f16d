import { describe, expect, it } from 'vitest';
import type { KafkaMessage } from 'kafkajs';
import { encodeCloudEventHeaders } from './cloudevents-headers';
import { toDeliveredMessage, type MessageBusLogger } from './kafka-shared';

const silent: MessageBusLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const headers = encodeCloudEventHeaders({ id: 'e-1', type: 'varde.measurements.v1.MeasurementRecorded', source: 'varde/measurements', time: '2026-03-01T08:15:00.000Z', recordedTime: '2026-03-01T08:15:02.120Z', correlationId: 'c-1', causationId: 'c-0' });

describe('a Kafka record as a delivered message', () => {
  it('gives the record its own payload bytes, not the response buffer they were fetched in', () => {
    const response = Buffer.concat([Buffer.from('....patient-7|'), Buffer.from([0x08, 0x96, 0x01]), Buffer.from('|the next record')]);
    const record = { offset: '41', key: response.subarray(4, 13), value: response.subarray(14, 17), headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])), timestamp: '0', attributes: 0 } as unknown as KafkaMessage;
    const message = toDeliveredMessage('varde.measurements.v1', 3, record, silent);
    expect(message).toMatchObject({ id: 'e-1', topic: 'varde.measurements.v1', partition: 3, offset: '41', key: 'patient-7' });
    expect(message?.payload).toBeInstanceOf(Uint8Array);
    expect([...message!.payload]).toEqual([0x08, 0x96, 0x01]);
  });

  it('skips (and does not throw on) a record that is no CloudEvent, and gives an empty payload to a tombstone', () => {
    expect(toDeliveredMessage('t', 0, { offset: '1', key: null, value: Buffer.from('x'), headers: {}, timestamp: '0', attributes: 0 } as unknown as KafkaMessage, silent)).toBeUndefined();
    const tombstone = toDeliveredMessage('t', 0, { offset: '2', key: null, value: null, headers, timestamp: '0', attributes: 0 } as unknown as KafkaMessage, silent);
    expect(tombstone?.payload.byteLength).toBe(0);
    expect(tombstone?.key).toBe('');
  });
});
