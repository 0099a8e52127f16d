import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatDateTime, formatNumber } from './i18n';

/** One line of a plot: its name, colour and points (time in ms, value). */
export type PlotSeries = Readonly<{ label: string; colour: string; points: ReadonlyArray<readonly [number, number]> }>;

/** A horizontal line drawn across the plot, such as the patient's alert threshold. */
export type PlotThreshold = Readonly<{ label: string; value: number }>;

/** Labels of the plot's controls, in the user's language. */
export type PlotLabels = Readonly<{ zoom: string; days7: string; days30: string; all: string; table: string; time: string }>;

const DAY_MS = 86_400_000;

/**
 * A time-series plot (uPlot) with thresholds as dashed lines and zoom to 7 days / 30 days / the whole course.
 * For screen readers and keyboard users the values are also in a table beneath it (WCAG 1.1.1).
 */
export function TimeSeriesPlot(props: {
  title: string;
  unit: string;
  series: readonly PlotSeries[];
  thresholds?: readonly PlotThreshold[];
  language: string;
  labels: PlotLabels;
  width?: number;
  testId?: string;
}) {
  const { title, unit, series, thresholds = [], language, labels } = props;
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [days, setDays] = useState<number | undefined>(undefined);
  const times = useMemo(() => [...new Set(series.flatMap((s) => s.points.map(([t]) => t)))].sort((a, b) => a - b), [series]);

  useEffect(() => {
    if (!host.current) return;
    const xs = times.map((t) => t / 1000);
    const data: uPlot.AlignedData = [
      xs,
      ...series.map((s) => {
        const byTime = new Map(s.points.map(([t, v]) => [t, v]));
        return times.map((t) => byTime.get(t) ?? null);
      }),
    ];
    const width = props.width ?? Math.min(host.current.clientWidth || 640, 900);
    const last = times[times.length - 1] ?? 0;
    const first = times[0] ?? 0;
    // The span shown: the last `days`, or the whole course; at least a day, so one reading is not a dot in years.
    const from = (days === undefined ? first : Math.max(first, last - days * DAY_MS)) / 1000;
    const to = Math.max(last / 1000, from + DAY_MS / 1000);
    const limits = thresholds.map((th) => th.value);
    const options: uPlot.Options = {
      width,
      height: 240,
      title: undefined,
      scales: {
        x: { time: true, range: () => [from - 3600, to + 3600] },
        // Thresholds always inside the plot, with room around the values.
        y: { range: (_u, min, max) => [Math.floor(Math.min(min, ...limits) - 2), Math.ceil(Math.max(max, ...limits) + 2)] },
      },
      series: [
        { label: labels.time, value: (_u, v) => (v == null ? '' : formatDateTime(v * 1000, language)) },
        ...series.map((s) => ({ label: s.label, stroke: s.colour, width: 2, points: { show: true, size: 6 }, spanGaps: true, value: (_u: uPlot, v: number | null) => (v == null ? '' : `${formatNumber(v, language)} ${unit}`) })),
      ],
      // Thresholds as dashed lines across the whole width, labelled on the canvas (and named in the caption).
      hooks: {
        draw: [
          (u) => {
            const { ctx } = u;
            ctx.save();
            ctx.strokeStyle = '#a4000f';
            ctx.fillStyle = '#a4000f';
            ctx.lineWidth = 1.5 * devicePixelRatio;
            ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
            ctx.font = `${12 * devicePixelRatio}px system-ui, sans-serif`;
            ctx.textAlign = 'left';
            ctx.textBaseline = 'bottom';
            for (const th of thresholds) {
              const y = u.valToPos(th.value, 'y', true);
              ctx.beginPath();
              ctx.moveTo(u.bbox.left, y);
              ctx.lineTo(u.bbox.left + u.bbox.width, y);
              ctx.stroke();
              ctx.fillText(th.label, u.bbox.left + 4 * devicePixelRatio, y - 4 * devicePixelRatio);
            }
            ctx.restore();
          },
        ],
      },
      axes: [{}, { label: unit }],
    };
    plot.current?.destroy();
    plot.current = new uPlot(options, data, host.current);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
  }, [times, series, thresholds, language, unit, labels.time, props.width, days]);

  const rows = times.slice(-50).reverse();
  return (
    <figure className="plot" data-testid={props.testId}>
      <figcaption>
        <strong>{title}</strong>
        {thresholds.length > 0 ? <span className="plot-thresholds"> — {thresholds.map((th) => `${th.label}`).join(', ')}</span> : null}
      </figcaption>
      <div role="group" aria-label={labels.zoom} className="plot-zoom">
        {([7, 30, undefined] as const).map((d) => (
          <button key={String(d)} type="button" aria-pressed={days === d} onClick={() => setDays(d)}>
            {d === 7 ? labels.days7 : d === 30 ? labels.days30 : labels.all}
          </button>
        ))}
      </div>
      <div ref={host} aria-hidden="true" />
      <details>
        <summary>{labels.table}</summary>
        <table>
          <caption className="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col">{labels.time}</th>
              {series.map((s) => (
                <th scope="col" key={s.label}>{`${s.label} (${unit})`}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((t) => (
              <tr key={t}>
                <td>{formatDateTime(t, language)}</td>
                {series.map((s) => {
                  const point = s.points.find(([pt]) => pt === t);
                  return <td key={s.label}>{point ? formatNumber(point[1], language) : ''}</td>;
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
