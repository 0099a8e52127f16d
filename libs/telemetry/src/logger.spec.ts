import { describe, expect, it } from 'vitest';
import { createLogger, maskNationalIds } from './logger';
import { NestPinoLogger } from './nest-pino-logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = {
    write(line: string) {
      raw.push(line);
      lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  };
  return { lines, raw, logger: createLogger({ service: 'measurements', level: 'trace', destination }) };
}

const NATIONAL_ID = '01019012345';
const D_NUMBER = '41019012345';

describe('createLogger', () => {
  it('writes JSON with ISO time, level label and service', () => {
    const { lines, logger } = capture();
    logger.info({ patientRef: 'p-1', count: 3 }, 'measurement recorded');

    expect(lines[0]).toMatchObject({ level: 'info', service: 'measurements', msg: 'measurement recorded', patientRef: 'p-1', count: 3 });
    expect(String(lines[0]?.['time'])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('masks a national id and a D-number in the message', () => {
    const { raw, lines, logger } = capture();
    logger.info(`lookup for ${NATIONAL_ID} and ${D_NUMBER}`);
    logger.warn('patient %s not found', NATIONAL_ID);

    expect(raw.join('')).not.toContain(NATIONAL_ID);
    expect(raw.join('')).not.toContain(D_NUMBER);
    expect(lines[0]?.['msg']).toBe('lookup for *********** and ***********');
    expect(lines[1]?.['msg']).toBe('patient *********** not found');
  });

  it('masks ids deep in nested objects, arrays, numbers, keys, child bindings and errors', () => {
    const { raw, logger } = capture();
    logger.child({ subject: `Patient/${NATIONAL_ID}` }).info(
      {
        request: { url: `/fhir/Patient?identifier=urn:oid:2.16.578.1.12.4.1.4.1%7C${NATIONAL_ID}`, printed: '010190 12345' },
        rows: [{ deep: { deeper: { note: `id ${NATIONAL_ID}` } } }],
        asNumber: 1019012345 + 40_000_000_000,
        byPatient: { [NATIONAL_ID]: 1 },
        err: new Error(`no consent for ${NATIONAL_ID}`),
      },
      'nested',
    );

    const output = raw.join('');
    expect(output).not.toMatch(/01019012345|010190 12345|41019012345/);
    expect(output).toContain('identifier=urn:oid:2.16.578.1.12.4.1.4.1%7C***********');
  });

  it('redacts health values and identity fields at any depth', () => {
    const { raw, lines, logger } = capture();
    logger.info({
      value: 142.7,
      observation: { valueQuantity: { value: 142.7, unit: 'mmHg' }, code: '8480-6' },
      bundle: { entry: [{ resource: { valueQuantity: { value: 38.51 }, subject: { nationalId: '12' } } }] },
      headers: { authorization: 'Bearer abc.def' },
      req: { headers: { authorization: 'Bearer abc.def' } },
    });

    expect(lines[0]).toMatchObject({
      value: '[Redacted]',
      observation: { valueQuantity: '[Redacted]', code: '8480-6' },
      bundle: { entry: [{ resource: { valueQuantity: '[Redacted]', subject: { nationalId: '[Redacted]' } } }] },
      headers: { authorization: '[Redacted]' },
      req: { headers: { authorization: '[Redacted]' } },
    });
    expect(raw.join('')).not.toMatch(/142\.7|38\.51|Bearer/);
  });

  it('leaves ordinary numbers, short digit runs and longer numbers alone', () => {
    const { lines, logger } = capture();
    logger.info({ eventPosition: 1234567890, epochMs: 1735689600000, orgNumber: '974749025', status: 201 }, 'appended 3 events');

    expect(lines[0]).toMatchObject({ eventPosition: 1234567890, epochMs: 1735689600000, orgNumber: '974749025', status: 201, msg: 'appended 3 events' });
  });

  it('keeps trace ids intact even when they contain 11-digit runs', () => {
    const { lines, logger } = capture();
    const traceId = 'ab12345678901cdef0123456789abcde';
    logger.info({ trace_id: traceId, span_id: 'c12345678901ab34', ref: `Patient/${NATIONAL_ID}` }, 'traced');

    expect(lines[0]).toMatchObject({ trace_id: traceId, span_id: 'c12345678901ab34', ref: 'Patient/***********' });
  });
});

describe('UUIDs in log lines', () => {
  it('keeps a UUID intact when its last group holds an 11-digit run, and still masks a national id beside it', () => {
    const { lines, logger } = capture();
    for (const patientId of ['0f8e2c1a-4b3d-4e5f-8a9b-31026512345f', '0f8e2c1a-4b3d-4e5f-8a9b-a31026512345']) {
      logger.warn({ patientId, reason: `patient ${patientId} is not on one of your care teams`, other: `Patient/${NATIONAL_ID}` }, 'access refused');
      expect(lines.at(-1)).toMatchObject({ patientId, reason: `patient ${patientId} is not on one of your care teams`, other: 'Patient/***********' });
    }
  });
});

describe('maskNationalIds', () => {
  it('masks standalone 11-digit runs only', () => {
    expect(maskNationalIds(`a ${NATIONAL_ID} b 123456789012 c 1234567890`)).toBe('a *********** b 123456789012 c 1234567890');
  });
});

describe('NestPinoLogger', () => {
  it('writes Nest log calls with context, error stacks and masking', () => {
    const { lines, logger } = capture();
    const nest = new NestPinoLogger(logger);
    nest.log(`Mapped route for ${NATIONAL_ID}`, 'RouterExplorer');
    nest.error('Handler failed', 'Error: boom\n    at handler (file.ts:1:1)', 'ExceptionsHandler');
    nest.verbose('wiring', 'InstanceLoader');

    expect(lines[0]).toMatchObject({ level: 'info', context: 'RouterExplorer', msg: 'Mapped route for ***********' });
    expect(lines[1]).toMatchObject({ level: 'error', context: 'ExceptionsHandler', msg: 'Handler failed' });
    expect(String(lines[1]?.['stack'])).toContain('at handler');
    expect(lines[2]).toMatchObject({ level: 'trace', context: 'InstanceLoader' });
  });
});
