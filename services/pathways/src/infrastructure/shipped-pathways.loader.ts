import { join } from 'node:path';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { LOGGER, readShippedJson } from '@varde/platform';
import type { Logger } from '@varde/telemetry';
import { definitionImportOf, PathwayDefinitions, type DefinitionImport } from '../application/pathway-definitions.service';
import { systemMetadata } from '../application/system-metadata';

/** Where the pathways Varde ships live: one transaction Bundle (PlanDefinition, ActivityDefinitions, Questionnaires) per file. */
const SHIPPED_PATHWAYS_DIR = join(__dirname, '..', '..', 'pathways');

/** The pathways Varde ships, by file name: each Bundle's resources by kind. */
export function shippedPathways(): ReadonlyMap<string, DefinitionImport> {
  const bundles = readShippedJson<{ entry: { resource: Readonly<Record<string, unknown>> }[] }>(SHIPPED_PATHWAYS_DIR);
  return new Map([...bundles].map(([file, bundle]) => [file, definitionImportOf(bundle.entry.map((e) => e.resource))]));
}

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
    for (const shipped of shippedPathways().values()) {
      const url = String(shipped.planDefinition['url']);
      if (await this.definitions.isPublished(url)) continue;
      // Shipped with their rule sets (services/triage/rule-sets), checked by tests rather than by asking triage at start.
      const entry = await this.definitions.import(shipped, systemMetadata(`shipped-pathway:${url}`, new Date().toISOString()), undefined, true);
      this.logger.info({ pathway: entry.id, contentHash: entry.contentHash }, 'published a shipped pathway');
    }
  }
}
