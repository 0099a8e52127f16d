/**
 * `npm run triage:rule-set -- validate|publish <file.yaml|json>`: checks a rule set (every problem with its
 * line) or publishes it as the next version.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { apiTarget, callApi } from './api-client';
import { runCli, UsageError } from '../cli';

const USAGE = `usage: npm run triage:rule-set -- validate <file>   check a rule set, printing every problem with its line
       npm run triage:rule-set -- publish <file>    publish it as the next version (pathway-designer)

environment: VARDE_URL (default http://localhost:8080), VARDE_TOKEN (default: a pathway-designer dev token)`;

runCli(async () => {
  const { positionals } = parseArgs({ allowPositionals: true, strict: true, options: {} });
  const [command, file] = positionals;
  if ((command !== 'validate' && command !== 'publish') || !file) throw new UsageError('give validate or publish and a file');
  const source = await readFile(file, 'utf8');
  const target = await apiTarget('pathway-designer');
  if (command === 'validate') {
    const result = await callApi<{ valid: boolean; contentHash?: string; problems: { field: string; message: string }[] }>(target, 'POST', '/api/rule-sets/validate', { yaml: source });
    return { output: result.valid ? `${file}: valid (${result.contentHash})` : result.problems.map((p) => `${file}: ${p.message} (${p.field})`).join('\n'), ok: result.valid };
  }
  const published = await callApi<{ id: string; version: number; contentHash: string }>(target, 'POST', '/api/rule-sets', { yaml: source });
  return { output: `${published.id} v${published.version} ${published.contentHash}`, ok: true };
}, USAGE);
