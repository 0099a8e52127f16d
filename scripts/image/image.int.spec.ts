import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually, freePort } from '@varde/testing';
import { buildImage, canBuildImages } from './image';
import { openImage, type ImageRunner } from './run-image';

// The image `npm run image` builds (Debian base + Node.js LTS + compiled services + production dependencies),
// each service started from it against the test PostgreSQL and Kafka until /health/ready answers 200. With
// podman when it can run containers here, otherwise from the image's own root filesystem mounted read-only
// (chroot, as uid 1000): the output says which, and why.
const services = ['pathways', 'forms', 'measurements', 'triage', 'sharing'] as const;
const why = canBuildImages();
const NOT_RUN = `Image build and run NOT RUN: ${why ?? ''}`;
if (why) console.warn(NOT_RUN);

type Started = { child: ChildProcess; output: () => string; exited: Promise<number | null> };

function watch(child: ChildProcess): Started {
  let output = '';
  const keep = (chunk: Buffer): void => void (output = (output + chunk.toString('utf8')).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { child, output: () => output, exited: new Promise((done) => child.once('exit', done)) };
}

describe.skipIf(why !== undefined)(why ? NOT_RUN : 'the production image', () => {
  let runner: ImageRunner;

  beforeAll(async () => {
    const image = await buildImage();
    const probed = await openImage(image);
    runner = probed.runner;
    console.warn(
      probed.podmanProblem
        ? `[image] podman cannot run containers on this machine (${probed.podmanProblem.split('\n')[0]}); running the image's root filesystem read-only with chroot as uid 1000 instead`
        : `[image] running the image's root filesystem read-only with podman (podman run --rootfs, runc)`,
    );
  }, 30 * 60_000);

  afterAll(async () => {
    await runner?.close();
  });

  it.each(services)('runs %s from the image until /health/ready answers', async (service) => {
    const [httpPort, grpcPort] = [await freePort(), await freePort()];
    const started = watch(
      runner.spawn({
        SERVICE: service,
        DATABASE_URL: inject('databaseUrl'),
        DB_SCHEMA: `image_${service}_${process.pid}`,
        BUS_SCHEMA: `image_bus_${process.pid}`,
        KAFKA_BROKERS: inject('kafkaBrokers'),
        HOST: '127.0.0.1',
        HTTP_PORT: String(httpPort),
        GRPC_PORT: String(grpcPort),
        LOG_LEVEL: 'warn',
        // Production mode (NODE_ENV=production in the image) requires a real key; pathways refuses to start without one.
        IDENTITY_HMAC_KEY: randomBytes(48).toString('base64'),
      }),
    );
    try {
      const ready = await Promise.race([
        eventually(
          async () => {
            const response = await fetch(`http://127.0.0.1:${httpPort}/health/ready`).catch(() => undefined);
            return response?.status === 200 ? ((await response.json()) as { status: string; checks: Record<string, string> }) : undefined;
          },
          `${service} from the image to be ready`,
          120_000,
          250,
        ),
        // A process that exits during start-up fails the test at once, with what it printed.
        started.exited.then((code) => Promise.reject(new Error(`exited with ${code}`))),
      ]).catch((error: unknown) => {
        throw new Error(`${service} from the image: ${String(error)}\n${started.output()}`);
      });
      expect(ready.checks).toMatchObject({ database: 'up', kafka: 'up' });
      // The OpenAPI document, its descriptions read from the build's route-descriptions.json (no sources in the image).
      const openapi = (await (await fetch(`http://127.0.0.1:${httpPort}/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, { description?: string }>> };
      expect(openapi.openapi).toBe('3.1.0');
      const operations = Object.values(openapi.paths).flatMap((item) => Object.values(item));
      expect(operations.filter((o) => !o.description)).toEqual([]);
    } finally {
      started.child.kill('SIGTERM');
    }
    // Graceful shutdown on SIGTERM: exit code 0.
    expect(await started.exited).toBe(0);
  }, 180_000);

  it('refuses to start with bad configuration, listing every problem', async () => {
    const started = watch(runner.spawn({ SERVICE: 'triage', HTTP_PORT: 'eighty', DATABASE_URL: 'mysql://nowhere' }));
    expect(await started.exited).toBe(1);
    expect(started.output()).toContain('HTTP_PORT');
    expect(started.output()).toContain('DATABASE_URL');
  }, 60_000);

  it('names the services it can run when SERVICE is wrong', async () => {
    const started = watch(runner.spawn({ SERVICE: 'billing' }));
    expect(await started.exited).toBe(1);
    expect(started.output()).toContain('SERVICE must be one of pathways, forms, measurements, triage, sharing (got "billing")');
  }, 60_000);

  it('migrates a service\'s schema with the migration entry point and exits', async () => {
    const started = watch(runner.spawn({ SERVICE: 'measurements', DATABASE_URL: inject('databaseUrl'), DB_SCHEMA: `image_migrate_${process.pid}` }, ['dist/migrate.js']));
    expect(await started.exited).toBe(0);
    expect(started.output()).toContain(`measurements: schema image_migrate_${process.pid} up to date`);
  }, 60_000);
});
