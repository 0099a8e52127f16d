import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// What the README and docs/ tell a reader to open or run must be there: every relative link, every backticked
// path in the repository (`services/…`, `libs/…`, …) and every `npm run <script>`. A file moved or a script
// renamed then fails here instead of leaving a newcomer at a dead end.
const root = join(__dirname, '..', '..');
const TOP_LEVEL = /^(?:apps|deploy|docs|eslint-rules|examples|libs|proto|scripts|services|tests)\//;
// Placeholders and patterns, not paths: `services/<service>/…`, `*.spec.ts`, `{a,b}`, `NNNN-…`, `$VAR`.
const PATTERN = /[<>*{}…$]|NNNN|\s/;

// Paths a document names as history (what was there before), each with why it is allowed.
const HISTORY: Readonly<Record<string, readonly string[]>> = {
  // "`deploy/kubernetes` was a `sed` template": what the Helm chart replaced.
  'docs/adr/0012-production-image-and-chart.md': ['deploy/kubernetes'],
};

function markdownFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(dir, name));
}

const documents = ['README.md', ...markdownFiles('docs'), 'examples/trust-consumer/README.md'].filter((file) => existsSync(join(root, file)));
const scripts = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);

/** The references in `text` (the document at `file`) that do not resolve, each as `kind: text`. */
function deadReferences(file: string, text = readFileSync(join(root, file), 'utf8')): string[] {
  const dead: string[] = [];
  for (const [, href] of text.matchAll(/\]\(([^)\s]+)\)/g) as IterableIterator<[string, string]>) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('#')) continue;
    const target = resolve(dirname(join(root, file)), decodeURI(href.split('#')[0] as string));
    if (!existsSync(target)) dead.push(`link: ${href}`);
  }
  for (const [, code] of text.matchAll(/`([^`\n]+)`/g) as IterableIterator<[string, string]>) {
    for (const [, script] of code.matchAll(/npm run(?: --silent)? ([\w:-]+)/g) as IterableIterator<[string, string]>) {
      if (!scripts.includes(script)) dead.push(`script: npm run ${script}`);
    }
    const path = code.replace(/:\d+(?:-\d+)?$/, '').replace(/\/$/, '');
    if (!TOP_LEVEL.test(path) || PATTERN.test(path) || HISTORY[file]?.includes(path)) continue;
    if (!existsSync(join(root, path))) dead.push(`path: ${code}`);
  }
  return dead;
}

describe('references in the README and docs/', () => {
  it('reads the documents a newcomer starts from', () => {
    expect(documents).toEqual(expect.arrayContaining(['README.md', join('docs', 'adr', '0009-ports.md'), join('docs', 'architecture', 'use-cases.md')]));
  });

  it.each(documents)('%s names only files and scripts that exist', (file) => {
    expect(deadReferences(file)).toEqual([]);
  });

  it('reports a dead link, path and script, and lets placeholders, history and other sites be', () => {
    const text = [
      'See [the ports](0009-ports.md), [gone](0099-gone.md#why) and [Emmett](https://event-driven-io.github.io/emmett/).',
      'Run `npm run migrate -- --service forms` or `npm run --silent migrate:all`; read `libs/event-sourcing/src/event-store.port.ts:22`,',
      '`services/forms/src/application/gone.handler.ts`, `services/<service>/src/domain/`, `services/*/src/**/*.spec.ts`.',
    ].join('\n');
    expect(deadReferences(join('docs', 'adr', 'fixture.md'), text)).toEqual(['link: 0099-gone.md#why', 'script: npm run migrate:all', 'path: services/forms/src/application/gone.handler.ts']);
    expect(deadReferences('docs/adr/0012-production-image-and-chart.md', '`deploy/kubernetes` was a template')).toEqual([]);
  });
});
