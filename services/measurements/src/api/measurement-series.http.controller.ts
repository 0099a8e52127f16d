import { Controller, Get, Headers, Inject, Param, Query } from '@nestjs/common';
import { Access, CurrentPrincipal, type Principal, Roles } from '@varde/auth';
import { LOINC, measurementTypeOf, ValidationError } from '@varde/core';
import { commandMetadataFrom, type MetadataHeaders } from '@varde/platform';
import { MeasurementReader } from '../application/measurement.reader';
import { codeParam, instantParam, onlyParams, patientParam, type RawQuery } from './measurement-query.params';

/** More points than this in one answer is refused: ask for a shorter range. */
const MAX_POINTS = 10_000;

/** One point of a series, shaped for plotting. */
export type SeriesPoint = Readonly<{ t: string; v: number; id: string; status: string }>;

/** Time series of one patient's measurements, for charts. */
@Controller('api/patients/:patientId/measurements')
export class MeasurementSeriesHttpController {
  constructor(@Inject(MeasurementReader) private readonly reader: MeasurementReader) {}

  /**
   * `GET /api/patients/:patientId/measurements/series?code=2708-6&from=&to=` → `{ code, unit, points: [{ t, v, id, status }] }`
   * in effective-time order, canonical unit, entered-in-error measurements left out; a bare code is LOINC.
   */
  @Get('series')
  @Roles('patient', 'guardian', 'clinician', 'auditor')
  @Access('measurements', 'read', { patient: { param: 'patientId' } })
  async series(@Param('patientId') patientParamValue: string, @Query() query: RawQuery, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal) {
    onlyParams(query, ['code', 'from', 'to']);
    const patientId = patientParam(patientParamValue, 'patientId');
    const requested = codeParam((query['code'] as string | undefined) ?? '', 'code')!;
    const code = { system: requested.system ?? LOINC, code: requested.code };
    const from = query['from'] === undefined ? undefined : instantParam(query['from'] as string, 'from');
    const to = query['to'] === undefined ? undefined : instantParam(query['to'] as string, 'to');
    if (from && to && from > to) throw ValidationError.field('from', 'must not be after to');
    const resource = `patients/${patientId}/measurements/series?code=${code.system}|${code.code}`;
    const views = await this.reader.series(patientId, code, { ...(from ? { from } : {}), ...(to ? { to } : {}), limit: MAX_POINTS + 1 }, resource, { principal, request: commandMetadataFrom(principal, headers) });
    if (views.length > MAX_POINTS) throw ValidationError.field('from', `more than ${MAX_POINTS} points; ask for a shorter range with from and to`);
    const unit = views[0]?.unit ?? measurementTypeOf(code.system, code.code)?.canonicalUnit ?? '';
    const points: SeriesPoint[] = views.map((v) => ({ t: v.effectiveTime, v: v.value, id: v.measurementId, status: v.status }));
    return { code: `${code.system}|${code.code}`, unit, points };
  }
}
