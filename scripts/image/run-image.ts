/**
 * Runs a process from the image `npm run image` built, the way Kubernetes would: as uid 1000, on a read-only
 * root filesystem, with only the environment given. The image's root filesystem is mounted once
 * (`buildah mount`) and bind-mounted read-only; processes then start from it in one of two ways:
 *
 * - **podman** (`podman run --rootfs`, runc, host network, cgroupfs): a real container — its own mount, PID,
 *   IPC and UTS namespaces — without copying the image per container (vfs storage copies the whole image for
 *   each `podman run <image>`, minutes here). On this kind of VM (cgroup v1/v2 hybrid, no CAP_SYS_RESOURCE)
 *   crun refuses hybrid cgroups and podman's default rlimits cannot be set, hence runc and modest ulimits.
 * - **chroot** (`chroot --userspec=1000:1000`): when podman cannot run containers at all. Same files, user
 *   and entry point; no namespaces — it verifies the image's contents, not a runtime.
 *
 * `openImage` tries podman and says why it fell back when it did.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { containerStorageArgs, IMAGE_UID, imageCacheDir, run } from './image';

/** How a process from the image is started. */
export type ImageRunner = Readonly<{
  kind: 'podman' | 'chroot';
  /** Starts the image's entry point (`node --enable-source-maps dist/main.js`, or the image's entry point with `args`). */
  spawn: (env: Readonly<Record<string, string>>, args?: readonly string[]) => ChildProcess;
  /** Unmounts the image and removes the working container. */
  close: () => Promise<void>;
}>;

/** The image's own configuration, as buildah records it. */
type ImageConfig = { Env?: string[]; Entrypoint?: string[]; Cmd?: string[]; WorkingDir?: string };

const buildah = (args: readonly string[]): Promise<string> => run('buildah', [...containerStorageArgs(), ...args]);

/** The image mounted read-only, with its configuration. */
type MountedImage = { rootfs: string; config: ImageConfig; unmount: () => Promise<void> };

async function mountReadOnly(image: string): Promise<MountedImage> {
  const inspected = JSON.parse(await buildah(['inspect', '--type', 'image', image])) as { OCIv1: { config: ImageConfig } };
  const container = (await buildah(['from', '--pull-never', image])).trim();
  const writable = (await buildah(['mount', container])).trim();
  const rootfs = join(imageCacheDir, `ro-${process.pid}-${Date.now()}`);
  mkdirSync(rootfs, { recursive: true });
  await run('mount', ['--bind', writable, rootfs]);
  await run('mount', ['-o', 'remount,bind,ro', rootfs]);
  return {
    rootfs,
    config: inspected.OCIv1.config,
    unmount: async () => {
      await run('umount', [rootfs]).catch(() => undefined);
      try {
        rmdirSync(rootfs);
      } catch {
        // still mounted: never delete through a mount
      }
      await buildah(['rm', container]).catch(() => undefined);
    },
  };
}

/** The command line and environment of the image's entry point. */
function commandOf(mounted: MountedImage, env: Readonly<Record<string, string>>, args?: readonly string[]): { argv: string[]; env: Record<string, string> } {
  const imageEnv = Object.fromEntries((mounted.config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  return { argv: [...(mounted.config.Entrypoint ?? []), ...(args ?? mounted.config.Cmd ?? [])], env: { ...imageEnv, ...env } };
}

function podmanRunner(mounted: MountedImage): ImageRunner {
  return {
    kind: 'podman',
    spawn: (env, args) => {
      const command = commandOf(mounted, env, args);
      return spawn(
        'podman',
        [
          ...containerStorageArgs(),
          'run', '--rm', '--runtime', 'runc', '--cgroup-manager', 'cgroupfs', '--network', 'host',
          '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024',
          '--read-only', '--tmpfs', '/tmp', '--user', `${IMAGE_UID}:${IMAGE_UID}`, '--workdir', mounted.config.WorkingDir ?? '/',
          ...Object.entries(command.env).flatMap(([name, value]) => ['--env', `${name}=${value}`]),
          '--rootfs', mounted.rootfs,
          ...command.argv,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
    },
    close: mounted.unmount,
  };
}

function chrootRunner(mounted: MountedImage): ImageRunner {
  return {
    kind: 'chroot',
    spawn: (env, args) => {
      const command = commandOf(mounted, env, args);
      // chroot starts in /; env sets the image's working directory and nothing but the image's environment.
      const envArgs = Object.entries(command.env).map(([name, value]) => `${name}=${value}`);
      return spawn('chroot', [`--userspec=${IMAGE_UID}:${IMAGE_UID}`, mounted.rootfs, '/usr/bin/env', '-i', `--chdir=${mounted.config.WorkingDir ?? '/'}`, ...envArgs, ...command.argv], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    },
    close: mounted.unmount,
  };
}

/** Runs `node -e` in the image: resolves when it printed what was asked, rejects with the runtime's error. */
async function runs(runner: ImageRunner): Promise<void> {
  const child = runner.spawn({}, ['-e', 'console.log("image-runs as", process.getuid())']);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => void (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => void (output += chunk.toString('utf8')));
  // 'error' instead of 'exit' when the runtime's command is missing (podman or chroot not installed).
  const code = await new Promise<number | string | null>((done) => {
    child.once('exit', done);
    child.once('error', (error) => done(error.message));
  });
  if (code !== 0 || !output.includes(`image-runs as ${IMAGE_UID}`)) throw new Error(output.trim() || `exited with ${code}`);
}

/** The image mounted read-only with the best runner this machine has, and why podman was not it when it was not. */
export async function openImage(image: string): Promise<{ runner: ImageRunner; podmanProblem?: string }> {
  const mounted = await mountReadOnly(image);
  try {
    const podman = podmanRunner(mounted);
    try {
      await runs(podman);
      return { runner: podman };
    } catch (error) {
      const chroot = chrootRunner(mounted);
      await runs(chroot);
      return { runner: chroot, podmanProblem: error instanceof Error ? error.message : String(error) };
    }
  } catch (error) {
    await mounted.unmount();
    throw error;
  }
}
