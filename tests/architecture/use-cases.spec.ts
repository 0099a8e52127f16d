import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// docs/architecture/use-cases.md is the newcomer's map from a service's entry to the use case of each command.
// This keeps it true of the tree: every decider's command listed once, with a use case that runs that decider,
// entered from files that call it; every *.handler.ts listed.
const root = join(__dirname, '..', '..');
const doc = join(root, 'docs', 'architecture', 'use-cases.md');
const SERVICES = ['forms', 'measurements', 'triage', 'pathways', 'sharing'] as const;

type Row = Readonly<{ service: string; command: string; useCase: string; href: string; entries: readonly string[] }>;

/** Every `.ts` file under `dir` (specs left out), as paths relative to the repository. */
function sourcesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.spec.ts'))
    .map((name) => relative(root, join(dir, name)));
}

/** The table rows of each `## <service>` section. */
function rowsOf(markdown: string): Row[] {
  const rows: Row[] = [];
  let service: string | undefined;
  for (const line of markdown.split('\n')) {
    const heading = /^## (\S+)\s*$/.exec(line);
    if (heading) service = heading[1];
    const row = /^\| `(\w+)` \| \[([^\]]+)\]\(([^)]+)\) \| (.*) \|$/.exec(line);
    if (!row || service === undefined) continue;
    const [, command, useCase, href, entered] = row as unknown as [string, string, string, string, string];
    // Only the paths before a parenthesis are entries; what is in one explains.
    const entries = [...entered.replace(/\([^)]*\)/g, '').matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
    rows.push({ service, command, useCase, href, entries });
  }
  return rows;
}

/** The command types the domain of `service` declares (`DomainCommand<'X', …>`), each with its file. */
function domainCommands(service: string): Map<string, string> {
  const commands = new Map<string, string>();
  for (const file of sourcesUnder(join(root, 'services', service, 'src', 'domain'))) {
    for (const match of readFileSync(join(root, file), 'utf8').matchAll(/DomainCommand<\s*'(\w+)'/g)) commands.set(match[1] as string, file);
  }
  return commands;
}

/** The repository-relative `.ts` files that `file` imports by a relative path (import, export … from, import()). */
function relativeImportsOf(file: string): Set<string> {
  const source = readFileSync(join(root, file), 'utf8');
  const specifiers = [...source.matchAll(/(?:from\s+|import\(\s*)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1] as string);
  return new Set(specifiers.map((specifier) => relative(root, resolve(dirname(join(root, file)), specifier)) + '.ts'));
}

const rows = rowsOf(readFileSync(doc, 'utf8'));
const srcOf = (service: string) => join('services', service, 'src');

describe('docs/architecture/use-cases.md', () => {
  it('has a section for each service', () => {
    expect([...new Set(rows.map((r) => r.service))].sort()).toEqual([...SERVICES].sort());
  });

  it.each(SERVICES)('lists every command of the %s domain once, and nothing else', (service) => {
    const listed = rows.filter((r) => r.service === service).map((r) => r.command);
    expect(listed.length, 'a command listed twice').toBe(new Set(listed).size);
    expect(listed.sort()).toEqual([...domainCommands(service).keys()].sort());
  });

  it.each(rows.map((r) => [r.service, r.command, r] as const))('%s %s: its use case in application/ runs the decider that declares it', (service, command, row) => {
    const useCase = join(srcOf(service), row.useCase);
    expect(row.useCase.startsWith('application/'), `${row.useCase} is not in application/`).toBe(true);
    expect(existsSync(join(root, useCase)), `${useCase} does not exist`).toBe(true);
    expect(relative(root, resolve(dirname(doc), row.href)), 'the link and its text name different files').toBe(useCase);
    const declaredIn = domainCommands(service).get(command) as string;
    expect([...relativeImportsOf(useCase)], `${useCase} does not import ${declaredIn}, where ${command} is declared`).toContain(declaredIn);
  });

  it.each(rows.map((r) => [r.service, r.command, r] as const))('%s %s: each entry it lists calls that use case', (service, _command, row) => {
    expect(row.entries.length, 'no entry listed').toBeGreaterThan(0);
    const useCase = join(srcOf(service), row.useCase);
    for (const entry of row.entries) {
      const file = join(srcOf(service), entry);
      expect(existsSync(join(root, file)), `${file} does not exist`).toBe(true);
      expect([...relativeImportsOf(file)], `${file} does not import ${useCase}`).toContain(useCase);
    }
  });

  it('lists every *.handler.ts of every service as a use case', () => {
    const listed = new Set(rows.map((r) => join(srcOf(r.service), r.useCase)));
    const handlers = SERVICES.flatMap((service) => sourcesUnder(join(root, srcOf(service), 'application')).filter((f) => f.endsWith('.handler.ts')));
    expect(handlers.length).toBeGreaterThan(0);
    expect(handlers.filter((h) => !listed.has(h))).toEqual([]);
  });
});
