/**
 * `npm run rebuild -- --service <name> --projection <name|all>`: drops a service's read model and rebuilds it from
 * the service's event log (issue #14 item 6), printing progress as it replays. Sharing's `audit-timeline` is rebuilt
 * from every integration topic on the bus (Kafka with KAFKA_BROKERS, else the embedded event log), when named. Uses the service's own settings
 * (DATABASE_URL, DB_SCHEMA). Safe while the service runs: the rebuild is one transaction; readers see the old rows
 * until it commits, and the service's writes to those tables wait for it (see rebuildProjection).
 */
import { parseArgs } from 'node:util';
import { createPool, schemaConnectionString } from '@varde/database';
import { rebuildProjection, type RebuildableProjection } from '@varde/event-sourcing';
import type { MessageBus } from '@varde/messaging';
import { createMessageBus, loadPlatformConfig, type ServiceName } from '@varde/platform';
import type pg from 'pg';
import { formsProjections } from '../services/forms/src/infrastructure/forms.projections';
import { MEASUREMENTS_PROJECTIONS } from '../services/measurements/src/infrastructure/measurements.projections';
import { pathwaysProjections } from '../services/pathways/src/infrastructure/pathways.projections';
import { auditTimelineRebuild } from '../services/sharing/src/infrastructure/audit/audit-timeline.projection';
import { sharingProjections } from '../services/sharing/src/infrastructure/sharing.projections';
import { triageProjections } from '../services/triage/src/infrastructure/triage.projections';
import { runCli, UsageError } from './cli';

/** Each service's rebuildable read models of its own event log (what `all` rebuilds). */
const PROJECTIONS: Readonly<Record<ServiceName, (pool: pg.Pool) => Readonly<Record<string, RebuildableProjection>>>> = {
  forms: formsProjections,
  measurements: () => MEASUREMENTS_PROJECTIONS,
  pathways: pathwaysProjections,
  sharing: sharingProjections,
  triage: triageProjections,
};

/**
 * Read models fed by other services' integration topics (sharing's audit timeline), rebuilt from the bus: only when
 * named, since they need the bus the service reads (a Kafka-mode timeline rebuilt without KAFKA_BROKERS would read
 * the empty embedded log).
 */
const FROM_THE_BUS: Readonly<Partial<Record<ServiceName, Readonly<Record<string, (bus: Pick<MessageBus, 'readAll'>) => RebuildableProjection>>>>> = {
  sharing: { 'audit-timeline': auditTimelineRebuild },
};

const USAGE = `usage: npm run rebuild -- --service <${Object.keys(PROJECTIONS).join('|')}> --projection <name|all>`;

/** Rebuilds `projection` (or every one, `all`) of `service` in the database its settings in `env` name; one line per projection. */
export async function rebuild(service: string, projection: string, env: NodeJS.ProcessEnv = process.env, progress: (line: string) => void = () => undefined): Promise<string[]> {
  const projectionsOf = Object.hasOwn(PROJECTIONS, service) ? PROJECTIONS[service as ServiceName] : undefined;
  if (!projectionsOf) throw new UsageError(`--service: expected one of ${Object.keys(PROJECTIONS).join(', ')}; got ${JSON.stringify(service)}`);
  const config = loadPlatformConfig(service as ServiceName, env);
  const pool = createPool({ connectionString: schemaConnectionString(config.database.url, config.database.schema), max: 1 });
  // The bus (Kafka, or the embedded event log) is connected only when a projection reads it.
  let bus: MessageBus | undefined;
  try {
    const ownLog = projectionsOf(pool);
    const fromTheBus = Object.entries(FROM_THE_BUS[service as ServiceName] ?? {}).map(([name, of]) => [name, of({ readAll: (topic) => (bus ??= createMessageBus(config)).readAll(topic) })] as const);
    const projections = { ...ownLog, ...Object.fromEntries(fromTheBus) };
    const names = projection === 'all' ? Object.keys(ownLog) : [projection];
    const unknown = names.filter((name) => !Object.hasOwn(projections, name));
    if (unknown.length > 0) throw new UsageError(`--projection: ${service} has ${Object.keys(ownLog).join(', ')} (or all)${fromTheBus.length > 0 ? `, and from the bus ${fromTheBus.map(([name]) => name).join(', ')}` : ''}; got ${JSON.stringify(projection)}`);
    const lines: string[] = [];
    for (const name of names) {
      const report = await rebuildProjection(pool, projections[name]!, { onProgress: (events) => progress(`${service}/${name}: ${events} events replayed …`) });
      const rows = Object.entries(report.rows).map(([table, n]) => `${n} rows in ${table}`).join(', ');
      lines.push(`${service}/${name} rebuilt in schema ${config.database.schema} from ${report.events} events in ${report.ms} ms: ${rows}`);
    }
    return lines;
  } finally {
    await Promise.all([pool.end(), bus?.close()]);
  }
}

if (require.main === module) {
  runCli(async () => {
    const { values } = parseArgs({ options: { service: { type: 'string' }, projection: { type: 'string' } }, strict: true });
    if (values.service === undefined || values.projection === undefined) throw new UsageError('--service and --projection are required');
    const lines = await rebuild(values.service, values.projection, process.env, (line) => process.stderr.write(`${line}\n`));
    return { output: lines.join('\n'), ok: true };
  }, USAGE);
}
