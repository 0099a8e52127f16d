/**
 * The production build: compiles every service and every runtime lib to CommonJS JavaScript in `dist/`, so
 * the image runs `node dist/main.js` (or `node dist/services/<service>/src/main.js`) with production
 * dependencies only — no TypeScript, no runtime transpiler.
 *
 * Layout of `dist/` (beside the repository's `node_modules/` and `proto/`, as in the image's /app):
 * - `dist/services/<service>/src/**.js`, the service's data folders (triage's `rule-sets/`) and its routes'
 *   descriptions for the OpenAPI document (`route-descriptions.json`, from their TSDoc);
 * - `dist/node_modules/@varde/<lib>/` for each lib, with a package.json whose `main` is the compiled index,
 *   so `require('@varde/platform')` from a compiled service finds the compiled lib before the workspace link;
 * - `dist/main.js`, the image's entry point: it runs the service named by `SERVICE`;
 * - `dist/migrate.js`, the migration Job's: it runs `npm run migrate`'s command (`dist/scripts/migrate.js`) for `SERVICE`.
 *
 * Types are checked by `npm run typecheck` (tsc); this step only transpiles, with swc, the same compiler that
 * runs the sources in development (`@swc-node/register`), so decorators and their metadata come out the same.
 * CLI: `node -r @swc-node/register scripts/build/build.ts` (`npm run build` regenerates the contracts first).
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { transformFile, type Options } from '@swc/core';
import { readRouteDocs, ROUTE_DESCRIPTIONS_FILE } from '../../libs/platform/src/openapi/route-descriptions';

const repoRoot = resolve(__dirname, '..', '..');
/** Libs that only tests use; never shipped. */
const testOnlyLibs = new Set(['testing']);
/** Folders of a service that are not data it reads at run time (triage's `rule-sets/`, forms' `questionnaires/`, …). */
const notServiceData = new Set(['src', 'test', 'node_modules']);
/** The files of `npm run migrate` (under scripts/), shipped for the image's migration entry point. */
const migrateCommand = ['migrate.ts', 'service-migrations.ts'];

const swcOptions: Options = {
  swcrc: false,
  sourceMaps: true,
  module: { type: 'commonjs' },
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    // The same semantics as tsconfig.base.json: legacy decorators with emitted metadata (NestJS injection),
    // class fields assigned in the constructor (useDefineForClassFields: false).
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    keepClassNames: true,
  },
};

/** Source files that are part of the running program: TypeScript under src/, without tests. */
const isRuntimeSource = (file: string): boolean => file.endsWith('.ts') && !file.endsWith('.d.ts') && !file.endsWith('.spec.ts');
/** Files under src/ that code reads at run time (SQL migrations, JSON, YAML). */
const isRuntimeAsset = (file: string): boolean => /\.(sql|json|ya?ml)$/.test(file);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** Compiles one TypeScript file to `target` with `.js` (and its source map) in place of `.ts`. */
async function compileFile(file: string, target: string): Promise<void> {
  mkdirSync(dirname(target), { recursive: true });
  const output = await transformFile(file, { ...swcOptions, filename: file, sourceFileName: relative(dirname(target), file) });
  const js = target.replace(/\.ts$/, '.js');
  writeFileSync(js, `${output.code}\n//# sourceMappingURL=${js.split('/').pop()}.map\n`);
  if (output.map) writeFileSync(`${js}.map`, output.map);
}

async function compileTree(sourceDir: string, outDir: string): Promise<number> {
  let count = 0;
  for (const file of walk(sourceDir)) {
    const target = join(outDir, relative(sourceDir, file));
    if (isRuntimeSource(file)) {
      await compileFile(file, target);
      count++;
    } else if (isRuntimeAsset(file)) {
      mkdirSync(dirname(target), { recursive: true });
      cpSync(file, target);
    }
  }
  return count;
}

/** The package.json a compiled lib carries: its name and the compiled entry point. */
function compiledManifest(sourceManifest: string): string {
  const manifest = JSON.parse(readFileSync(sourceManifest, 'utf8')) as { name: string; version: string; main: string };
  const main = manifest.main.replace(/\.ts$/, '.js');
  return `${JSON.stringify({ name: manifest.name, version: manifest.version, private: true, main }, null, 2)}\n`;
}

/** Builds `dist/` from scratch; returns the number of compiled files. */
export async function build(outDir = join(repoRoot, 'dist')): Promise<number> {
  if (!existsSync(join(repoRoot, 'libs', 'contracts', 'src', 'generated'))) {
    throw new Error('libs/contracts/src/generated is missing: run `npm run contracts:generate` first (npm run build does)');
  }
  rmSync(outDir, { recursive: true, force: true });
  let count = 0;
  for (const lib of readdirSync(join(repoRoot, 'libs')).filter((name) => !testOnlyLibs.has(name))) {
    const libDir = join(repoRoot, 'libs', lib);
    const manifest = join(libDir, 'package.json');
    if (!existsSync(manifest)) continue;
    const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string };
    const target = join(outDir, 'node_modules', ...name.split('/'));
    count += await compileTree(join(libDir, 'src'), join(target, 'src'));
    writeFileSync(join(target, 'package.json'), compiledManifest(manifest));
  }
  for (const service of readdirSync(join(repoRoot, 'services'))) {
    const serviceDir = join(repoRoot, 'services', service);
    if (!existsSync(join(serviceDir, 'src', 'main.ts'))) continue;
    count += await compileTree(join(serviceDir, 'src'), join(outDir, 'services', service, 'src'));
    // Each route's TSDoc, for the service's OpenAPI document (the image has no TypeScript sources to read it from).
    const routes = readRouteDocs([join(serviceDir, 'src'), join(repoRoot, 'libs', 'platform', 'src')]);
    const descriptions = Object.fromEntries(routes.flatMap((r) => (r.description ? [[r.key, r.description]] : [])));
    writeFileSync(join(outDir, 'services', service, ROUTE_DESCRIPTIONS_FILE), `${JSON.stringify(descriptions, null, 2)}\n`);
    const dataFolders = readdirSync(serviceDir).filter((name) => !notServiceData.has(name) && statSync(join(serviceDir, name)).isDirectory());
    for (const folder of dataFolders) {
      cpSync(join(serviceDir, folder), join(outDir, 'services', service, folder), { recursive: true });
    }
  }
  // `npm run migrate`'s command, which `dist/migrate.js` runs: in `dist/scripts/` beside `dist/services/`, as in the
  // repository, so its imports of each service's migrations resolve to the compiled services.
  for (const script of migrateCommand) await compileFile(join(repoRoot, 'scripts', script), join(outDir, 'scripts', script));
  count += migrateCommand.length;
  count += await compileTree(join(__dirname, 'entry'), outDir);
  return count;
}

if (require.main === module) {
  const started = Date.now();
  build()
    .then((count) => process.stderr.write(`[build] ${count} files compiled into dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s\n`))
    .catch((error: unknown) => {
      process.stderr.write(`[build] ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
