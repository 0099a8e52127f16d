/**
 * `npm run triage:verify -- --patient <id> [--assessment <id>]`: re-runs a recorded triage decision (or every
 * decision of the patient) from its recorded inputs and rule set version and says whether the result is the
 * same. Exit code 1 when any decision does not verify.
 */
import { parseArgs } from 'node:util';
import { apiTarget, callApi } from './api-client';
import { runCli, UsageError } from '../cli';

const USAGE = `usage: npm run triage:verify -- --patient <internal patient id> [--assessment <id>] [--reason <why>] [--json]

Without --assessment every decision in the patient's triage history is verified. An auditor states why they open
the patient with --reason (e.g. "complaint 2026/117"); it is kept in the patient's access log.
environment: VARDE_URL (default http://localhost:8080), VARDE_TOKEN (default: an auditor dev token)`;

type Verification = {
  verified: boolean;
  assessmentId: string;
  effectiveAt: string;
  ruleSet: { id: string; version: number; hashMatches: boolean };
  recorded: { colour: string; reasons: string[] };
  replayed: { colour: string; reasons: string[] };
  differences: string[];
};

runCli(async () => {
  const { values } = parseArgs({ options: { patient: { type: 'string' }, assessment: { type: 'string' }, reason: { type: 'string' }, json: { type: 'boolean', default: false } }, strict: true });
  if (!values.patient) throw new UsageError('--patient is required');
  const target = await apiTarget('auditor');
  const patient = encodeURIComponent(values.patient);
  const reason: Record<string, string> = values.reason === undefined ? {} : { 'audit-reason': values.reason };
  const ids = values.assessment
    ? [values.assessment]
    : (await callApi<{ decisions: { assessmentId: string }[] }>(target, 'GET', `/api/patients/${patient}/triage/history`, undefined, reason)).decisions.map((d) => d.assessmentId);
  const results: Verification[] = [];
  for (const id of ids) results.push(await callApi<Verification>(target, 'POST', `/api/patients/${patient}/triage/assessments/${encodeURIComponent(id)}/verify`, undefined, reason));
  const ok = results.every((r) => r.verified);
  if (values.json) return { output: JSON.stringify(results, null, 2), ok };
  const lines = results.map(
    (r) =>
      `${r.verified ? 'verified' : 'DIFFERS '}  ${r.assessmentId}  ${r.effectiveAt}  ${r.recorded.colour.padEnd(6)} ${r.ruleSet.id} v${r.ruleSet.version}${r.verified ? '' : `\n          ${r.differences.join('\n          ')}`}`,
  );
  return { output: [...lines, '', `${results.filter((r) => r.verified).length} of ${results.length} decisions verified`].join('\n'), ok };
}, USAGE);
