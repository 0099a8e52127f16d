import type {} from 'vitest';
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { startTestKafka } from './kafka';
import { startTestPostgres } from './postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    kafkaBrokers: string;
  }
}

/** Starts the real components once per test run: PostgreSQL and a Kafka broker. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [postgres, kafka] = await Promise.all([startTestPostgres(), startTestKafka()]);
  project.provide('databaseUrl', postgres.databaseUrl);
  project.provide('kafkaBrokers', kafka.brokers);
  return async () => {
    await Promise.allSettled([postgres.stop(), kafka.stop()]);
  };
}
