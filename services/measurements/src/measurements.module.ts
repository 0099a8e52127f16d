import { Module, type DynamicModule } from '@nestjs/common';
import { loadConfig, env } from '@varde/config';
import { EnrolmentDirectory, PathwaysEnrolments, PlatformModule, type Infrastructure } from '@varde/platform';
import { MAX_FUTURE_MS, ObservationsHttpController } from './api/observations.http.controller';
import { MeasurementQuery } from './application/measurement.query';
import { RecordMeasurementHandler } from './application/record-measurement.handler';

/** Measurements' own settings. */
export function loadMeasurementsConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    {
      // Device and phone clocks drift; readings dated further ahead than this are refused.
      MEASUREMENT_MAX_FUTURE_SECONDS: env.int(300),
      ENROLMENT_CACHE_SECONDS: env.int(30),
    },
    source,
  );
}

/** The measurements service: ingestion of device and manual measurements. */
@Module({})
export class MeasurementsModule {
  static forRoot(infra: Infrastructure): DynamicModule {
    const config = loadMeasurementsConfig();
    return {
      module: MeasurementsModule,
      imports: [PlatformModule.forRoot(infra)],
      controllers: [ObservationsHttpController],
      providers: [
        { provide: MAX_FUTURE_MS, useValue: config.MEASUREMENT_MAX_FUTURE_SECONDS * 1000 },
        RecordMeasurementHandler,
        MeasurementQuery,
        { provide: EnrolmentDirectory, useFactory: () => new PathwaysEnrolments(infra.config.peers.pathwaysGrpc, config.ENROLMENT_CACHE_SECONDS * 1000) },
      ],
    };
  }
}
