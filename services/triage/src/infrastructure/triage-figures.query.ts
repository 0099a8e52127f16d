import { Inject, Injectable } from '@nestjs/common';
import { DB_POOL } from '@varde/platform';
import type pg from 'pg';
import type { Colour } from '../domain/triage-rules';

/** Median and 90th percentile of a duration, over `count` alerts (null when there are none). */
export type DurationFigures = Readonly<{ count: number; medianSeconds: number | null; p90Seconds: number | null }>;

/** Patients of one pathway per current colour. */
export type ColourShare = Readonly<{ pathwayId: string | null; patients: number; colours: Readonly<Record<Colour, Readonly<{ count: number; share: number }>>> }>;

/** The figures the strategy asks for (issue 4 item 8), for alerts raised in [from, to). */
export type TriageFigures = Readonly<{
  from: string;
  to: string;
  pathway: string | null;
  alertsRaisedByRules: Readonly<{ total: number; byColour: Readonly<{ yellow: number; red: number }> }>;
  timeToAcknowledge: DurationFigures;
  timeToResolve: DurationFigures;
  colourShare: readonly ColourShare[];
}>;

const COLOURS: readonly Colour[] = ['red', 'yellow', 'green'];
const round = (n: number | null): number | null => (n === null ? null : Math.round(n * 10) / 10);

/** Aggregates over the alerts and worklist read models; shows no patient. */
@Injectable()
export class TriageFiguresQuery {
  constructor(@Inject(DB_POOL) private readonly pool: pg.Pool) {}

  /** Figures for alerts raised in [from, to), optionally for one pathway; the colour share is current. */
  async figures(from: Date, to: Date, pathway: string | undefined): Promise<TriageFigures> {
    // Raised by rule automation = raised by the triage engine itself (a system actor), not by a person.
    const window = `FROM alerts WHERE raised_by_role = 'system' AND raised_at >= $1 AND raised_at < $2 AND ($3::text IS NULL OR pathway_id = $3)`;
    const params = [from.toISOString(), to.toISOString(), pathway ?? null];
    const [raised, acknowledge, resolve, share] = await Promise.all([
      this.pool.query<{ colour: 'yellow' | 'red'; n: string }>(`SELECT raised_colour AS colour, count(*) AS n ${window} GROUP BY raised_colour`, params),
      this.durations('acknowledged_at', window, params),
      this.durations('resolved_at', window, params),
      this.pool.query<{ pathway_id: string | null; colour: Colour; n: string }>(
        'SELECT pathway_id, colour, count(*) AS n FROM worklist WHERE ($1::text IS NULL OR pathway_id = $1) GROUP BY pathway_id, colour ORDER BY pathway_id',
        [pathway ?? null],
      ),
    ]);
    const byColour = { yellow: 0, red: 0 };
    for (const row of raised.rows) byColour[row.colour] = Number(row.n);
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      pathway: pathway ?? null,
      alertsRaisedByRules: { total: byColour.yellow + byColour.red, byColour },
      timeToAcknowledge: acknowledge,
      timeToResolve: resolve,
      colourShare: colourShares(share.rows),
    };
  }

  private async durations(column: 'acknowledged_at' | 'resolved_at', window: string, params: readonly unknown[]): Promise<DurationFigures> {
    const seconds = `extract(epoch FROM ${column} - raised_at)`;
    const { rows } = await this.pool.query<{ n: string; median: number | null; p90: number | null }>(
      `SELECT count(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY ${seconds}) AS median, percentile_cont(0.9) WITHIN GROUP (ORDER BY ${seconds}) AS p90
       ${window} AND ${column} IS NOT NULL`,
      [...params],
    );
    const row = rows[0]!;
    return { count: Number(row.n), medianSeconds: round(row.median), p90Seconds: round(row.p90) };
  }
}

function colourShares(rows: readonly { pathway_id: string | null; colour: Colour; n: string }[]): ColourShare[] {
  const byPathway = new Map<string | null, Record<Colour, number>>();
  for (const row of rows) {
    const counts = byPathway.get(row.pathway_id) ?? { red: 0, yellow: 0, green: 0 };
    counts[row.colour] = Number(row.n);
    byPathway.set(row.pathway_id, counts);
  }
  return [...byPathway].map(([pathwayId, counts]) => {
    const patients = COLOURS.reduce((sum, c) => sum + counts[c], 0);
    const colours = Object.fromEntries(COLOURS.map((c) => [c, { count: counts[c], share: Math.round((counts[c] / patients) * 1000) / 1000 }])) as ColourShare['colours'];
    return { pathwayId, patients, colours };
  });
}
