import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { deterministicId } from '@varde/event-sourcing';
import { LOGGER } from '@varde/platform';
import type { Logger } from '@varde/telemetry';
import { PathwayDefinitions, type DefinitionImport } from '../application/pathway-definitions.service';

/** Where the pathways Varde ships live: one transaction Bundle (PlanDefinition, ActivityDefinitions, Questionnaires) per file. */
export const SHIPPED_PATHWAYS_DIR = join(__dirname, '..', '..', 'pathways');

type Json = Readonly<Record<string, unknown>>;

/** The resources of a shipped Bundle file, by kind. */
export function readShippedBundle(file: string): DefinitionImport {
  const bundle = JSON.parse(readFileSync(join(SHIPPED_PATHWAYS_DIR, file), 'utf8')) as { entry: { resource: Json }[] };
  const resources = bundle.entry.map((e) => e.resource);
  return {
    planDefinition: resources.find((r) => r['resourceType'] === 'PlanDefinition')!,
    activityDefinitions: resources.filter((r) => r['resourceType'] === 'ActivityDefinition'),
    questionnaires: resources.filter((r) => r['resourceType'] === 'Questionnaire'),
  };
}

/** The shipped Bundle files. */
export const shippedPathwayFiles = (): string[] => readdirSync(SHIPPED_PATHWAYS_DIR).filter((f) => f.endsWith('.json')).sort();

/**
 * At first start, publishes the pathways Varde ships (COPD, heart failure) as data, like any imported definition.
 * A pathway already published (by an earlier start, or edited since by a designer) is left as it is.
 */
@Injectable()
export class ShippedPathwaysLoader implements OnApplicationBootstrap {
  constructor(
    @Inject(PathwayDefinitions) private readonly definitions: PathwayDefinitions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const file of shippedPathwayFiles()) {
      const shipped = readShippedBundle(file);
      const url = String(shipped.planDefinition['url']);
      if (await this.definitions.isPublished(url)) continue;
      const commandId = deterministicId(`shipped-pathway:${url}`);
      // Shipped with their rule sets (services/triage/rule-sets), checked by tests rather than by asking triage at start.
      const entry = await this.definitions.import(shipped, { commandId, correlationId: commandId, actor: { subject: 'varde-pathways', role: 'system' }, now: new Date().toISOString() }, undefined, true);
      this.logger.info({ pathway: entry.id, contentHash: entry.contentHash }, 'published a shipped pathway');
    }
  }
}
