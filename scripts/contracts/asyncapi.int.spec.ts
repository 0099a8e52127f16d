import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import { publicEventTypes } from '@varde/contracts';
import { describe, expect, it } from 'vitest';
import { asyncApiFile, asyncApiYaml } from './asyncapi';

describe('the AsyncAPI document of the public feed', () => {
  it('is current: the committed file is what the published .proto files generate', () => {
    expect(readFileSync(asyncApiFile, 'utf8')).toBe(asyncApiYaml());
  });

  it('is valid AsyncAPI 3.0 and describes every public event on its domain’s channel, fields and comments from the .proto files', async () => {
    const { document, diagnostics } = await new Parser().parse(readFileSync(asyncApiFile, 'utf8'));
    expect(diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    // The parser answers a document only when it could read one, as the AsyncAPI version the file declares.
    expect(document?.version()).toBe('3.0.0');
    const messages = document!.allMessages().all().map((m) => m.name());
    expect(messages.sort()).toEqual(Object.keys(publicEventTypes).sort());
    expect(document!.channels().get('measurements')?.address()).toBe('varde.public.{trust}.measurements.v1');
    const recorded = document!.allMessages().all().find((m) => m.name() === 'varde.public.measurements.v1.MeasurementRecorded')!;
    const properties = recorded.payload()!.properties()!;
    expect(Object.keys(properties)).toEqual(['patient', 'measurementId', 'code', 'value', 'unit', 'effectiveTime', 'components']);
    expect(properties['effectiveTime']!.format()).toBe('date-time');
    expect(properties['value']!.description()).toBe('Value in the canonical unit.');
  });
});
