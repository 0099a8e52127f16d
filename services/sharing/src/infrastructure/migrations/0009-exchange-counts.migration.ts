import { sqlMigration } from '@varde/database';

/**
 * What sharing sent out, counted per day for the strategy figures (issue #21 item 7): Observation changes PMD
 * acknowledged (channel `pmd-out`, receiver `pmd`) and public feed events delivered to each trust (channel `feed`,
 * receiver the trust's organisation number, per domain). What came in from PMD is counted from `pmd_in_seen`.
 */
export const exchangeCounts = sqlMigration(`
  CREATE TABLE exchange_counts (
    channel text NOT NULL CHECK (channel IN ('pmd-out', 'feed')),
    receiver text NOT NULL,
    domain text NOT NULL,
    day date NOT NULL,
    count bigint NOT NULL,
    PRIMARY KEY (channel, receiver, domain, day)
  );`);
