import { KafkaMessageBus, PostgresMessageBus, replayDeadLetters, type MessageBus } from '@varde/messaging';
import { EMBEDDED_DATABASE_URL } from '@varde/platform';

/**
 * `npm run dlq:replay -- --topic varde.measurements.v1 --group triage.assessment` sends a consumer group's
 * dead letters back to their topic once the cause is fixed. Safe to repeat: consumers skip what they processed.
 * Uses KAFKA_BROKERS when set, otherwise the embedded PostgreSQL log at DATABASE_URL.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => {
    const index = args.indexOf(`--${name}`);
    return index >= 0 ? args[index + 1] : undefined;
  };
  const topic = option('topic');
  const group = option('group');
  if (!topic || !group) {
    process.stderr.write('usage: npm run dlq:replay -- --topic <topic, e.g. varde.measurements.v1> --group <consumer group, e.g. triage.assessment>\n');
    process.exit(2);
  }
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  const bus: MessageBus = brokers.length
    ? new KafkaMessageBus({ brokers, clientId: 'varde-dlq-replay' })
    : new PostgresMessageBus({ databaseUrl: process.env.DATABASE_URL ?? EMBEDDED_DATABASE_URL });
  try {
    const count = await replayDeadLetters(bus, topic, group);
    process.stdout.write(`replayed ${count} dead letter(s) of group ${group} to ${topic}\n`);
  } finally {
    await bus.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`dead-letter replay failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
