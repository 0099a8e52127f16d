import type { ServiceDefinition } from '@varde/platform';
import { measurementsIntegrationMapping } from './infrastructure/measurements.integration-mapping';
import { MeasurementsModule } from './measurements.module';
import { measurementsMigrations } from './infrastructure/migrations/measurements.migrations';

/** How the measurements service is assembled; used by main.ts and by the integration tests. */
export const measurementsService: ServiceDefinition = {
  service: 'measurements',
  module: (infra) => MeasurementsModule.forRoot(infra),
  migrations: measurementsMigrations,
  relay: measurementsIntegrationMapping,
};
