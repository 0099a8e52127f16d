import type { ServiceDefinition } from '@varde/platform';
import { FormsModule } from './forms.module';
import { formsIntegrationMapping } from './infrastructure/forms.integration-mapping';
import { formsMigrations } from './infrastructure/migrations/forms.migrations';

/** How the forms service is assembled; used by main.ts and by the integration tests. */
export const formsService: ServiceDefinition = {
  service: 'forms',
  module: (infra) => FormsModule.forRoot(infra),
  migrations: formsMigrations,
  relay: formsIntegrationMapping,
};
