import { ErrorMessage, type PlotSeries, problemText, TimeSeriesPlot, useSession } from '@varde/web-common';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';

type Point = { t: string; v: number; components?: Array<{ code: string; value: number }> };
type Series = { unit: string; points: Point[] };

/** My measurements as plots: blood pressure (upper and lower) and SpO2. */
export function MeasurementsPage({ patientId }: { patientId: string }) {
  const { t, i18n } = useTranslation();
  const { api } = useSession();
  const [bp, setBp] = useState<Series>();
  const [spo2, setSpo2] = useState<Series>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    Promise.all([
      api<Series>(`/api/patients/${patientId}/measurements/series?code=85354-9`).then(setBp),
      api<Series>(`/api/patients/${patientId}/measurements/series?code=2708-6`).then(setSpo2),
    ]).catch((failure: unknown) => setError(problemText(failure, t)));
  }, [api, patientId, t]);
  const labels = { zoom: t('plot.zoom'), days7: t('plot.days7'), days30: t('plot.days30'), all: t('plot.all'), table: t('plot.table'), time: t('plot.time') };
  const bpSeries = useMemo<PlotSeries[]>(() => {
    const points = bp?.points ?? [];
    const diastolic = points.flatMap((p) => {
      const value = p.components?.find((c) => c.code.endsWith('8462-4'))?.value;
      return value === undefined ? [] : [[Date.parse(p.t), value] as const];
    });
    return [
      { label: t('plot.systolic'), colour: '#0b5394', points: points.map((p) => [Date.parse(p.t), p.v] as const) },
      ...(diastolic.length > 0 ? [{ label: t('plot.diastolic'), colour: '#6a3d9a', points: diastolic }] : []),
    ];
  }, [bp, t]);
  const spo2Series = useMemo<PlotSeries[]>(() => [{ label: 'SpO2', colour: '#0b5394', points: (spo2?.points ?? []).map((p) => [Date.parse(p.t), p.v] as const) }], [spo2]);
  return (
    <>
      <h1>{t('measurements.title')}</h1>
      <ErrorMessage text={error} />
      {bp && bp.points.length > 0 ? (
        <TimeSeriesPlot testId="bp-plot" title={t('measurements.bp')} unit="mmHg" series={bpSeries} language={i18n.language} labels={labels} width={Math.min(window.innerWidth - 32, 720)} />
      ) : null}
      {spo2 && spo2.points.length > 0 ? (
        <TimeSeriesPlot testId="spo2-plot" title={t('measurements.spo2')} unit="%" series={spo2Series} language={i18n.language} labels={labels} width={Math.min(window.innerWidth - 32, 720)} />
      ) : null}
      {bp && spo2 && bp.points.length + spo2.points.length === 0 ? <p>{t('measurements.none')}</p> : null}
    </>
  );
}
