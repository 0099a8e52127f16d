import { sqlMigration } from '@varde/database';

/**
 * A change number per worklist row and per alert, drawn from one sequence by a trigger on every write and kept
 * (indexed) beside the tables, so the worklist's change feed reads the newest few from an index instead of
 * scanning both tables twice a second. A trigger, not code in the projections: every writer is covered, the
 * projections make no extra round trip, and the read models' own rows stay as they were.
 */
export const changeSequence = sqlMigration(`
  CREATE SEQUENCE worklist_change_seq;
  CREATE TABLE worklist_changes (
    source text PRIMARY KEY,
    change_seq bigint NOT NULL
  );
  CREATE INDEX worklist_changes_recent ON worklist_changes (change_seq);
  -- TG_ARGV[0]: the key column of the changed table; the source is 'worklist/<patient>' or 'alerts/<alert>'.
  CREATE FUNCTION worklist_changed() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO worklist_changes (source, change_seq) VALUES (TG_TABLE_NAME || '/' || (to_jsonb(NEW) ->> TG_ARGV[0]), nextval('worklist_change_seq'))
    ON CONFLICT (source) DO UPDATE SET change_seq = EXCLUDED.change_seq;
    RETURN NULL;
  END $$;
  CREATE TRIGGER worklist_changed AFTER INSERT OR UPDATE ON worklist FOR EACH ROW EXECUTE FUNCTION worklist_changed('patient_id');
  CREATE TRIGGER alerts_changed AFTER INSERT OR UPDATE ON alerts FOR EACH ROW EXECUTE FUNCTION worklist_changed('alert_id');`);
