import { Module, type DynamicModule } from '@nestjs/common';
import { loadConfig, env } from '@varde/config';
import { AccessLog, EnrolmentDirectory, type Infrastructure, PathwaysEnrolments, PlatformModule, SharingAccessLog } from '@varde/platform';
import { MAX_FUTURE_MS, ObservationsHttpController } from './api/observations.http.controller';
import { MeasurementQuery } from './application/measurement.query';
import { RecordMeasurementHandler } from './application/record-measurement.handler';
import { UnitConverter } from './application/unit-converter';
import { BUNDLE_BODY_LIMIT, BundleBodyLimit } from './api/bundle-body-limit';
import { BundlesHttpController, MAX_BUNDLE_ENTRIES } from './api/bundles.http.controller';
import { MeasurementSubmission } from './api/measurement-submission';
import { ObservationIntake } from './api/observation.intake';
import { FhirStructureValidator } from './infrastructure/fhir-structure-validator';
import { UcumUnitConverter } from './infrastructure/ucum-unit-converter';
import { EVENT_STORE } from '@varde/platform';
import { MeasurementSeriesHttpController } from './api/measurement-series.http.controller';
import { DeviceGatewaysHttpController } from './api/device-gateways.http.controller';
import { GatewayAssignmentHandler } from './application/gateway-assignment.handler';
import { ObservationCorrectionsHttpController } from './api/observation-corrections.http.controller';
import { ObservationSearchHttpController } from './api/observation-search.http.controller';
import { CorrectMeasurementHandler } from './application/correct-measurement.handler';
import { MeasurementReader } from './application/measurement.reader';
import { MeasurementSearchQuery } from './infrastructure/measurement-search.query';
import { MeasurementsReadModel } from './infrastructure/measurements.read-model';
import { projectingEventStore } from './infrastructure/projecting-event-store';

/** Measurements' own settings. */
export function loadMeasurementsConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    {
      // Device and phone clocks drift; readings dated further ahead than this are refused.
      MEASUREMENT_MAX_FUTURE_SECONDS: env.int(300),
      ENROLMENT_CACHE_SECONDS: env.int(30),
      // A Bundle larger than this is refused whole (413) before any entry is looked at.
      MEASUREMENT_BUNDLE_MAX_ENTRIES: env.int(10_000),
      // POST /fhir only: 10 000 Observations of ~600 bytes each; other routes keep BODY_LIMIT_BYTES.
      MEASUREMENT_BUNDLE_BODY_LIMIT_BYTES: env.int(8 * 1024 * 1024),
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
      controllers: [ObservationsHttpController, BundlesHttpController, ObservationSearchHttpController, ObservationCorrectionsHttpController, MeasurementSeriesHttpController, DeviceGatewaysHttpController],
      providers: [
        { provide: MAX_FUTURE_MS, useValue: config.MEASUREMENT_MAX_FUTURE_SECONDS * 1000 },
        RecordMeasurementHandler,
        GatewayAssignmentHandler,
        MeasurementQuery,
        { provide: MAX_BUNDLE_ENTRIES, useValue: config.MEASUREMENT_BUNDLE_MAX_ENTRIES },
        { provide: BUNDLE_BODY_LIMIT, useValue: config.MEASUREMENT_BUNDLE_BODY_LIMIT_BYTES },
        BundleBodyLimit,
        FhirStructureValidator,
        { provide: UnitConverter, useClass: UcumUnitConverter },
        ObservationIntake,
        MeasurementSubmission,
        MeasurementsReadModel,
        // Shadows the platform's store for this module: every append to a measurement stream upserts the read model.
        { provide: EVENT_STORE, useFactory: (readModel: MeasurementsReadModel) => projectingEventStore(infra.eventStore, (views) => readModel.upsert(views), infra.logger), inject: [MeasurementsReadModel] },
        MeasurementSearchQuery,
        MeasurementReader,
        CorrectMeasurementHandler,
        { provide: AccessLog, useFactory: () => new SharingAccessLog(infra.config.peers.sharingGrpc) },
        { provide: EnrolmentDirectory, useFactory: () => new PathwaysEnrolments(infra.config.peers.pathwaysGrpc, config.ENROLMENT_CACHE_SECONDS * 1000) },
      ],
    };
  }
}
