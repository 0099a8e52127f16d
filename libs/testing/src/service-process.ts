import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { serviceNodeOptions } from '@varde/platform';
import { freePort } from './ports';

const repoRoot = join(__dirname, '..', '..', '..');

/** A service started as its own process, the way it runs in production. */
export type ServiceProcess = Readonly<{ url: string; grpcUrl: string; logs: () => string; stop: () => Promise<void>; kill: () => Promise<void> }>;

/**
 * Starts `services/<name>/src/main.ts` as a child process on free ports and waits until it is ready (or,
 * with `waitFor: 'live'`, merely answering — for tests of a service whose dependencies are down).
 * Tests use this instead of importing another service's code (services never import each other).
 */
export async function startServiceProcess(
  name: string,
  env: Readonly<Record<string, string>>,
  options: {
    waitFor?: 'ready' | 'live';
    /** A port picked beforehand (with freePort), e.g. so a peer started earlier can be told it. */ httpPort?: number;
    /** The gRPC port, picked beforehand likewise (pathways asks sharing's policy decision point, sharing asks pathways). */ grpcPort?: number;
    /** How long start-up may take before the process is killed and the start fails (default 60 s). */ readyWithinMs?: number;
  } = {},
): Promise<ServiceProcess> {
  const httpPort = options.httpPort ?? (await freePort());
  const grpcPort = options.grpcPort ?? (await freePort());
  let output = '';
  const child: ChildProcess = spawn(process.execPath, ['-r', '@swc-node/register', join(repoRoot, 'services', name, 'src', 'main.ts')], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'warn', NODE_OPTIONS: serviceNodeOptions(name), ...env, HTTP_PORT: String(httpPort), GRPC_PORT: String(grpcPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // What tests read back (logs()): the last megabyte, so a line a test waits for is not pushed out by a burst of
  // others on a busy machine; start-up failures quote only the tail.
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-1_000_000);
  };
  const tail = (): string => output.slice(-20_000);
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${httpPort}`;
  const readyWithinMs = options.readyWithinMs ?? 60_000;
  const deadline = Date.now() + readyWithinMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited during start-up:\n${tail()}`);
    try {
      if ((await fetch(`${url}/health/${options.waitFor ?? 'ready'}`)).ok) break;
    } catch {
      // not yet listening
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} not ready within ${readyWithinMs / 1000} s:\n${tail()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null) return;
    child.kill(signal);
    await exited;
  };
  return { url, grpcUrl: `127.0.0.1:${grpcPort}`, logs: () => output, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}
