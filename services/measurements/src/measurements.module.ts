import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { FhirMetadataHttpController } from './api/fhir-metadata.http.controller';
import { loadConfig, env, z } from '@varde/config';
import { AccessLog, EnrolmentDirectory, type Infrastructure, PathwaysEnrolments, AccessPolicy, sharingAccessPolicy, PlatformModule, accessLogViaOutbox } from '@varde/platform';
import { ObservationsHttpController } from './api/observations.http.controller';
import { MeasurementQuery } from './application/measurement.query';
import { RecordMeasurementsHandler } from './application/record-measurements.handler';
import { UnitConverter } from './application/unit-converter';
import { BUNDLE_BODY_LIMIT, BundleBodyLimit } from './api/bundle-body-limit';
import { BundlesHttpController, MAX_BUNDLE_ENTRIES } from './api/bundles.http.controller';
import { LogicalSubjects } from './api/logical-subject';
import { MEASUREMENT_IMPORTERS, MeasurementSubmission } from './api/measurement-submission';
import { MAX_FUTURE_MS, ObservationIntake } from './api/observation.intake';
import { FhirStructureValidator } from './infrastructure/fhir-structure-validator';
import { UcumUnitConverter } from './infrastructure/ucum-unit-converter';
import { MeasurementSeriesHttpController } from './api/measurement-series.http.controller';
import { DeviceGatewaysHttpController } from './api/device-gateways.http.controller';
import { GatewayAssignmentHandler } from './application/gateway-assignment.handler';
import { ObservationCorrectionsHttpController } from './api/observation-corrections.http.controller';
import { ObservationSearchHttpController } from './api/observation-search.http.controller';
import { CorrectMeasurementHandler } from './application/correct-measurement.handler';
import { MeasurementReader } from './application/measurement.reader';
import { MeasurementSearchQuery } from './application/measurement-search.port';
import { MeasurementsProjection } from './application/measurements-projection.port';
import { SampleChunksReadModel } from './application/sample-chunks.port';
import { PostgresMeasurementSearchQuery } from './infrastructure/measurement-search.query';
import { MeasurementsReadModel } from './infrastructure/measurements.read-model';
import { MeasurementStreamsHttpController } from './api/measurement-streams.http.controller';
import { ObservationAnswers } from './api/observation-answers';
import { ObservationCorrections } from './api/observation-corrections';
import { ObservationUpdates } from './api/observation-updates';
import { RecordSampleChunkHandler } from './application/record-sample-chunk.handler';
import { parseThresholds, STREAM_SETTINGS, type StreamSettings } from './application/stream-settings';
import { WindowAggregator } from './application/window-aggregator';
import { MAX_CHUNK_MS, PostgresSampleChunksReadModel } from './infrastructure/sample-chunks.read-model';

/** Measurements' own settings. */
export function loadMeasurementsConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    {
      // Device and phone clocks drift; readings dated further ahead than this are refused.
      MEASUREMENT_MAX_FUTURE_SECONDS: env.int(300),
      // System clients that bring in measurements another organisation took (sharing, from Pasientens måledata): they
      // record for any enrolled patient without a device-gateway assignment, with the Observation's performer
      // organisation as provenance.
      MEASUREMENT_IMPORTERS: z.string().default('varde-sharing').transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)),
      ENROLMENT_CACHE_SECONDS: env.int(30),
      // A Bundle larger than this is refused whole (413) before any entry is looked at.
      MEASUREMENT_BUNDLE_MAX_ENTRIES: env.int(10_000),
      // POST /fhir only: 10 000 Observations of ~600 bytes each; other routes keep BODY_LIMIT_BYTES.
      MEASUREMENT_BUNDLE_BODY_LIMIT_BYTES: env.int(8 * 1024 * 1024),
      // Continuous streams (FHIR SampledData chunks): a day of 1 Hz per chunk at most, spanning at most a day.
      MEASUREMENT_STREAM_MAX_SAMPLES: env.int(86_400),
      MEASUREMENT_STREAM_MAX_CHUNK_SECONDS: env.int(86_400),
      // Length of the windows whose aggregates are published (MeasurementWindowAggregated).
      MEASUREMENT_STREAM_WINDOW_SECONDS: env.int(300),
      // Per LOINC code, samples strictly below the value count as time below threshold (canonical unit).
      MEASUREMENT_STREAM_THRESHOLDS: z
        .string()
        .regex(/^\s*(\d{1,7}-\d<-?\d+(\.\d+)?\s*(,\s*|$))*$/, 'expected <LOINC code><<value> pairs separated by commas, e.g. 59408-5<90,2708-6<90')
        .default('59408-5<90,2708-6<90'),
    },
    source,
  );
}

/** The measurements service: ingestion of device and manual measurements. */
@Module({})
export class MeasurementsModule {
  static forRoot(infra: Infrastructure): DynamicModule {
    const config = loadMeasurementsConfig();
    if (config.MEASUREMENT_STREAM_WINDOW_SECONDS < 1) throw new Error('MEASUREMENT_STREAM_WINDOW_SECONDS: expected at least 1');
    const streams: StreamSettings = {
      windowMs: config.MEASUREMENT_STREAM_WINDOW_SECONDS * 1000,
      thresholds: parseThresholds(config.MEASUREMENT_STREAM_THRESHOLDS),
      maxSamples: config.MEASUREMENT_STREAM_MAX_SAMPLES,
      maxChunkMs: config.MEASUREMENT_STREAM_MAX_CHUNK_SECONDS * 1000,
    };
    return {
      module: MeasurementsModule,
      imports: [PlatformModule.forRoot(infra), DiscoveryModule],
      controllers: [FhirMetadataHttpController, ObservationsHttpController, BundlesHttpController, ObservationSearchHttpController, ObservationCorrectionsHttpController, MeasurementSeriesHttpController, MeasurementStreamsHttpController, DeviceGatewaysHttpController],
      providers: [
        { provide: MAX_FUTURE_MS, useValue: config.MEASUREMENT_MAX_FUTURE_SECONDS * 1000 },
        RecordMeasurementsHandler,
        { provide: STREAM_SETTINGS, useValue: streams },
        { provide: MAX_CHUNK_MS, useValue: streams.maxChunkMs },
        PostgresSampleChunksReadModel,
        { provide: SampleChunksReadModel, useExisting: PostgresSampleChunksReadModel },
        WindowAggregator,
        RecordSampleChunkHandler,
        ObservationAnswers,
        ObservationCorrections,
        ObservationUpdates,
        GatewayAssignmentHandler,
        MeasurementQuery,
        { provide: MAX_BUNDLE_ENTRIES, useValue: config.MEASUREMENT_BUNDLE_MAX_ENTRIES },
        { provide: BUNDLE_BODY_LIMIT, useValue: config.MEASUREMENT_BUNDLE_BODY_LIMIT_BYTES },
        BundleBodyLimit,
        FhirStructureValidator,
        { provide: UnitConverter, useClass: UcumUnitConverter },
        ObservationIntake,
        MeasurementSubmission,
        { provide: MEASUREMENT_IMPORTERS, useValue: config.MEASUREMENT_IMPORTERS },
        LogicalSubjects,
        MeasurementsReadModel,
        { provide: MeasurementsProjection, useExisting: MeasurementsReadModel },
        PostgresMeasurementSearchQuery,
        { provide: MeasurementSearchQuery, useExisting: PostgresMeasurementSearchQuery },
        MeasurementReader,
        CorrectMeasurementHandler,
        { provide: AccessLog, useFactory: () => accessLogViaOutbox(infra) },
        { provide: AccessPolicy, useFactory: () => sharingAccessPolicy(infra) },
        { provide: EnrolmentDirectory, inject: [AccessPolicy], useFactory: (policy: AccessPolicy) => new PathwaysEnrolments(infra.config.peers.pathwaysGrpc, config.ENROLMENT_CACHE_SECONDS * 1000, infra.credentials, policy) },
      ],
    };
  }
}
