import { sqlMigration } from '@varde/database';

/**
 * Lets the records of processed messages be pruned by age (pruneProcessedMessages) without reading the whole
 * table: a BRIN index, since rows arrive in `processed_at` order. It costs next to nothing on insert, where a
 * B-tree would add a second index to maintain for every message every consumer group handles.
 */
export const processedAtIndex = sqlMigration(`
  CREATE INDEX IF NOT EXISTS processed_messages_processed_at ON processed_messages USING brin (processed_at);`);
