import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from './auth';
import { type PlotLabels, type PlotSeries, type PlotThreshold, TimeSeriesPlot } from './chart';
import { ErrorMessage } from './error-message';
import { formatDateTime } from './i18n';
import { problemText } from './problem';

type Point = Readonly<{ t: string; v: number; components?: ReadonlyArray<{ code: string; value: number }> }>;
type Series = Readonly<{ unit: string; points: readonly Point[] }>;
type Window = Readonly<{ start: string; end: string; sampleCount: number; min: number | null; mean: number | null }>;
type Sample = Readonly<{ t: string; v: number | null }>;

/** A vital sign plotted on its own: the LOINC codes whose series it joins, its title's key and unit. */
export type VitalSign = Readonly<{ key: string; codes: readonly string[]; unit: string }>;

/**
 * The vital signs the patient page plots, each when there is data: SpO2 (arterial 2708-6 and pulse oximetry 59408-5
 * in one plot), blood pressure (upper and lower), pulse, respiratory rate, temperature and weight.
 */
export const VITAL_SIGNS: readonly VitalSign[] = [
  { key: 'spo2', codes: ['2708-6', '59408-5'], unit: '%' },
  { key: 'bp', codes: ['85354-9'], unit: 'mmHg' },
  { key: 'pulse', codes: ['8867-4'], unit: '/min' },
  { key: 'respiratoryRate', codes: ['9279-1'], unit: '/min' },
  { key: 'temperature', codes: ['8310-5'], unit: '°C' },
  { key: 'weight', codes: ['29463-7'], unit: 'kg' },
];

/** A continuous stream (pulse oximetry) shown as hourly aggregates of its last 7 days. */
const STREAM = { code: '59408-5', days: 7, windowSeconds: 3600 };
const DAY_MS = 86_400_000;

/**
 * The patient's measurements as one plot per vital sign with data (thresholds from `thresholdsFor`, e.g. the patient's
 * triage rules), and a continuous SpO2 stream as the lowest and the mean value of each hour of the last 7 days, with
 * the samples of an hour chosen (zoom). Each plot has its values as a table beneath it. Reads go through the
 * measurements API, which logs them as access.
 */
export function VitalSignPlots(props: { patientId: string; thresholdsFor?: (sign: VitalSign) => readonly PlotThreshold[]; width?: number }) {
  const { patientId, thresholdsFor } = props;
  const { t, i18n } = useTranslation();
  const { api } = useSession();
  const [series, setSeries] = useState<Record<string, Series>>();
  const [stream, setStream] = useState<readonly Window[]>([]);
  const [hour, setHour] = useState<string>('');
  const [samples, setSamples] = useState<readonly Sample[]>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    let live = true;
    const codes = VITAL_SIGNS.flatMap((sign) => sign.codes);
    const to = new Date();
    const from = new Date(to.getTime() - STREAM.days * DAY_MS);
    Promise.all([
      Promise.all(codes.map((code) => api<Series>(`/api/patients/${patientId}/measurements/series?code=${code}`).then((s) => [code, s] as const))),
      api<{ windows: Window[] }>(`/api/patients/${patientId}/measurements/streams/aggregates?code=${STREAM.code}&from=${from.toISOString()}&to=${to.toISOString()}&window=${STREAM.windowSeconds}`),
    ]).then(
      ([found, aggregates]) => {
        if (!live) return;
        setSeries(Object.fromEntries(found));
        setStream(aggregates.windows.filter((w) => w.sampleCount > 0));
        setError(undefined);
      },
      (failure: unknown) => live && setError(problemText(failure, t)),
    );
    return () => {
      live = false;
    };
  }, [api, patientId, t]);

  // Zoomed in on one hour of the stream: its samples as recorded (gaps left out).
  useEffect(() => {
    const window = stream.find((w) => w.start === hour);
    if (!window) return setSamples(undefined);
    let live = true;
    api<{ samples: Sample[] }>(`/api/patients/${patientId}/measurements/streams/samples?code=${STREAM.code}&from=${window.start}&to=${window.end}`).then(
      (answer) => live && setSamples(answer.samples),
      (failure: unknown) => live && setError(problemText(failure, t)),
    );
    return () => {
      live = false;
    };
  }, [api, patientId, t, hour, stream]);

  const labels: PlotLabels = { zoom: t('plot.zoom'), days7: t('plot.days7'), days30: t('plot.days30'), all: t('plot.all'), table: t('plot.table'), time: t('plot.time') };
  const plots = useMemo(() => {
    if (!series) return [];
    return VITAL_SIGNS.flatMap((sign) => {
      const points = sign.codes.flatMap((code) => series[code]?.points ?? []).sort((a, b) => Date.parse(a.t) - Date.parse(b.t));
      if (points.length === 0) return [];
      const lines: PlotSeries[] = [{ label: sign.key === 'bp' ? t('plot.systolic') : t(`plot.${sign.key}`), colour: '#0b5394', points: points.map((p) => [Date.parse(p.t), p.v] as const) }];
      if (sign.key === 'bp') {
        const diastolic = points.flatMap((p) => {
          const value = p.components?.find((c) => c.code.endsWith('8462-4'))?.value;
          return value === undefined ? [] : [[Date.parse(p.t), value] as const];
        });
        if (diastolic.length > 0) lines.push({ label: t('plot.diastolic'), colour: '#6a3d9a', points: diastolic });
      }
      return [{ sign, lines }];
    });
  }, [series, t]);
  const streamLines = useMemo<PlotSeries[]>(
    () => [
      { label: t('plot.lowest'), colour: '#b45f06', points: stream.flatMap((w) => (w.min === null ? [] : [[Date.parse(w.start), w.min] as const])) },
      { label: t('plot.mean'), colour: '#0b5394', points: stream.flatMap((w) => (w.mean === null ? [] : [[Date.parse(w.start), Math.round(w.mean * 10) / 10] as const])) },
    ],
    [stream, t],
  );
  const sampleLines = useMemo<PlotSeries[]>(() => [{ label: t('plot.sample'), colour: '#0b5394', points: (samples ?? []).flatMap((p) => (p.v === null ? [] : [[Date.parse(p.t), p.v] as const])) }], [samples, t]);
  // What every plot shares; the stream's plots draw the SpO2 thresholds.
  const shared = { language: i18n.language, labels, ...(props.width ? { width: props.width } : {}) };
  const spo2Thresholds = thresholdsFor?.(VITAL_SIGNS[0]!) ?? [];

  return (
    <>
      <ErrorMessage text={error} />
      {plots.map(({ sign, lines }) => (
        <TimeSeriesPlot key={sign.key} testId={`${sign.key}-plot`} title={t(`plot.${sign.key}`)} unit={sign.unit} series={lines} thresholds={thresholdsFor?.(sign) ?? []} {...shared} />
      ))}
      {stream.length > 0 ? (
        <>
          <TimeSeriesPlot testId="spo2-stream-plot" title={t('plot.spo2Stream')} unit="%" series={streamLines} thresholds={spo2Thresholds} {...shared} />
          <label>
            {t('plot.zoomHour')}{' '}
            <select value={hour} onChange={(event) => setHour(event.target.value)} data-testid="stream-hour">
              <option value="">{t('plot.noHour')}</option>
              {[...stream].reverse().map((w) => (
                <option key={w.start} value={w.start}>
                  {formatDateTime(w.start, i18n.language)}
                </option>
              ))}
            </select>
          </label>
          {samples && samples.length > 0 ? (
            <TimeSeriesPlot testId="spo2-samples-plot" title={t('plot.samplesOf', { hour: formatDateTime(hour, i18n.language) })} unit="%" series={sampleLines} thresholds={spo2Thresholds} {...shared} />
          ) : null}
        </>
      ) : null}
      {series && plots.length === 0 && stream.length === 0 ? <p>{t('plot.none')}</p> : null}
    </>
  );
}
