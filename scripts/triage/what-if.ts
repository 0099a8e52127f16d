/**
 * `npm run triage:what-if -- --pathway copd --candidate my-rules.yaml --from 2026-08-01 --to 2026-11-01`:
 * replays a candidate rule set and the published one over a period of the pathway's real history and prints
 * the comparison (alerts and colour changes, in total and per patient). Writes nothing.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { apiTarget, callApi } from './api-client';
import { runCli, UsageError } from '../cli';

const USAGE = `usage: npm run triage:what-if -- --pathway <id> --candidate <file.yaml|json> --from <date> --to <date> [--baseline <version>] [--json]

environment: VARDE_URL (default http://localhost:8080), VARDE_TOKEN (default: a pathway-designer dev token)`;

/** A count, or `null` where the service suppressed it (fewer patients than the caller may see singled out). */
type Count = number | null;
type Totals = { alerts: Count; colourChanges: Count; patientsWithAlerts: Count; endColours: Record<string, Count>; onsetsByRule: Record<string, Count> };
type Report = {
  pathwayId: string;
  period: { from: string; to: string };
  published: { ruleSetId: string; version: number; contentHash: string };
  candidate: { ruleSetId: string; contentHash: string };
  patients: number;
  evaluations: number;
  totals: { published: Totals; candidate: Totals; difference: { alerts: Count; colourChanges: Count; patientsWithAlerts: Count } };
  perPatient: { patientId: string; published: { alerts: number; endColour: string }; candidate: { alerts: number; endColour: string } }[];
  durationMs: number;
  /** The smallest count shown to this caller; smaller ones come as `null` (see docs/api/triage.md). */
  minGroupSize: number;
};

runCli(async () => {
  const { values } = parseArgs({
    options: { pathway: { type: 'string' }, candidate: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, baseline: { type: 'string' }, json: { type: 'boolean', default: false } },
    strict: true,
  });
  if (!values.pathway || !values.candidate || !values.from || !values.to) throw new UsageError('--pathway, --candidate, --from and --to are required');
  const candidate = await readFile(values.candidate, 'utf8');
  const instant = (text: string): string => (/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  const report = await callApi<Report>(await apiTarget('pathway-designer'), 'POST', '/api/triage/what-if', {
    json: { pathwayId: values.pathway, candidate, from: instant(values.from), to: instant(values.to), ...(values.baseline ? { baselineVersion: Number(values.baseline) } : {}) },
  });
  return { output: values.json ? JSON.stringify(report, null, 2) : describe(report), ok: true };
}, USAGE);

function describe(r: Report): string {
  // A count the service suppressed (too few patients to show without singling one out).
  const shown = (n: Count | undefined): string => (n === null ? `<${r.minGroupSize}` : String(n ?? 0));
  const sign = (n: Count): string => (n === null ? shown(n) : n > 0 ? `+${n}` : String(n));
  const rows = [
    ['', `published v${r.published.version}`, 'candidate', 'difference'],
    ['alerts', r.totals.published.alerts, r.totals.candidate.alerts, sign(r.totals.difference.alerts)],
    ['colour changes', r.totals.published.colourChanges, r.totals.candidate.colourChanges, sign(r.totals.difference.colourChanges)],
    ['patients with alerts', r.totals.published.patientsWithAlerts, r.totals.candidate.patientsWithAlerts, sign(r.totals.difference.patientsWithAlerts)],
    ['red at the end', shown(r.totals.published.endColours['red']), shown(r.totals.candidate.endColours['red']), ''],
    ['yellow at the end', shown(r.totals.published.endColours['yellow']), shown(r.totals.candidate.endColours['yellow']), ''],
  ].map((row) => row.map((cell, i) => (typeof cell === 'string' ? cell : shown(cell)).padEnd(i === 0 ? 22 : 16)).join(''));
  const rules = [...new Set([...Object.keys(r.totals.published.onsetsByRule), ...Object.keys(r.totals.candidate.onsetsByRule)])]
    .sort()
    .map((id) => `  ${id.padEnd(32)}${shown(r.totals.published.onsetsByRule[id]).padEnd(16)}${shown(r.totals.candidate.onsetsByRule[id])}`);
  const patients = r.perPatient.slice(0, 20).map((p) => `  ${p.patientId}  alerts ${p.published.alerts} → ${p.candidate.alerts}, ends ${p.published.endColour} → ${p.candidate.endColour}`);
  return [
    `What-if for pathway ${r.pathwayId}, ${r.period.from} – ${r.period.to}: ${r.patients} patients, ${r.evaluations} evaluations in ${r.durationMs} ms`,
    `published ${r.published.ruleSetId} v${r.published.version} (${r.published.contentHash.slice(0, 19)}…) vs candidate ${r.candidate.ruleSetId} (${r.candidate.contentHash.slice(0, 19)}…)`,
    '',
    ...rows,
    '',
    'rule onsets (published, candidate):',
    ...rules,
    '',
    `patients whose outcome differs: ${r.perPatient.length}${r.perPatient.length > 20 ? ' (first 20)' : ''}`,
    ...patients,
  ].join('\n');
}
