/**
 * Command-line tools the project builds from source with the Go toolchain (the machines reach package
 * registries only, so the Go module proxy is the way in for Go programs): Helm, which renders and lints the
 * chart; kubeconform, which validates the rendered manifests against the Kubernetes API schemas the project
 * carries (deploy/helm/schemas); kube-score, which checks them against Kubernetes best practice. Each is built
 * once per version into `<repo>/.cache/go-tools/<name>-<version>/` and reused.
 * CLI: `node -r @swc-node/register scripts/tools/go-tools.ts [helm|kubeconform|kube-score]…` prints the binaries' paths.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A Go program and the version the project is written against; bump a version here and nowhere else. */
export type GoTool = Readonly<{ name: string; module: string; version: string }>;

/** Helm 4 (`helm lint`, `helm template`, values.schema.json checks). */
export const HELM: GoTool = { name: 'helm', module: 'helm.sh/helm/v4/cmd/helm', version: 'v4.3.2' };
/** kubeconform: rendered manifests against the Kubernetes API's JSON schemas. */
export const KUBECONFORM: GoTool = { name: 'kubeconform', module: 'github.com/yannh/kubeconform/cmd/kubeconform', version: 'v0.8.0' };
/** kube-score: best-practice checks of rendered manifests. */
export const KUBE_SCORE: GoTool = { name: 'kube-score', module: 'github.com/zegl/kube-score/cmd/kube-score', version: 'v1.20.0' };

const repoRoot = resolve(__dirname, '..', '..');
const toolsDir = join(repoRoot, '.cache', 'go-tools');

/** Path of the tool's binary, built with `go install` first when missing (minutes on the first run). */
export async function ensureGoTool(tool: GoTool): Promise<string> {
  const folder = join(toolsDir, `${tool.name}-${tool.version}`);
  const binary = join(folder, tool.name);
  if (existsSync(binary)) return binary;
  const started = Date.now();
  process.stderr.write(`[go-tools] building ${tool.module}@${tool.version} into ${folder} (first run only; takes minutes) …\n`);
  // Into a private folder, renamed when complete, so two test files building at once never see half a binary.
  const staging = `${folder}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  let output = '';
  const code = await new Promise<number | null>((done, fail) => {
    const child = spawn('go', ['install', `${tool.module}@${tool.version}`], {
      env: { ...process.env, GOBIN: staging, CGO_ENABLED: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer): void => void (output += chunk.toString('utf8'));
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (error) => fail(new Error(`could not run go (is the Go toolchain on PATH?): ${error.message}`)));
    child.once('exit', done);
  });
  if (code !== 0 || !existsSync(join(staging, tool.name))) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`go install ${tool.module}@${tool.version} failed (exit code ${code}):\n${output.trim().split('\n').slice(-20).join('\n')}`);
  }
  if (existsSync(binary)) rmSync(staging, { recursive: true, force: true });
  else renameSync(staging, folder);
  process.stderr.write(`[go-tools] built ${tool.name} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  return binary;
}

if (require.main === module) {
  const known: Record<string, GoTool> = { helm: HELM, kubeconform: KUBECONFORM, 'kube-score': KUBE_SCORE };
  const wanted = process.argv.slice(2);
  (async () => {
    for (const name of wanted.length > 0 ? wanted : Object.keys(known)) {
      const tool = known[name];
      if (!tool) throw new Error(`unknown tool ${name}: one of ${Object.keys(known).join(', ')}`);
      process.stdout.write(`${await ensureGoTool(tool)}\n`);
    }
  })().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
