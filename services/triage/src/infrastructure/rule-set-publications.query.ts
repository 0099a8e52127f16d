import { Inject, Injectable } from '@nestjs/common';
import { DB_POOL } from '@varde/platform';
import type pg from 'pg';
import { RuleSetPublications } from '../application/rule-set-publications.port';
import { ruleSetStreamId, type RuleSetPublished } from '../domain/rule-set-publication';

/** {@link RuleSetPublications} read straight from the service's event log (one query over every rule set stream). */
@Injectable()
export class PostgresRuleSetPublications implements RuleSetPublications {
  constructor(@Inject(DB_POOL) private readonly pool: pg.Pool) {}

  async latestOfEach(): Promise<readonly RuleSetPublished['data'][]> {
    const { rows } = await this.pool.query<{ data: RuleSetPublished['data'] }>(
      `SELECT DISTINCT ON (stream_id) message_data AS data FROM emt_messages
        WHERE message_type = 'RuleSetPublished' AND stream_id LIKE '${ruleSetStreamId('')}%' AND NOT is_archived
        ORDER BY stream_id, stream_position DESC`,
    );
    return rows.map((r) => r.data);
  }
}
