// Generated code lives in ./generated (run `npm run contracts:generate`); it is re-exported here with one
// namespace per proto file so names such as `Provenance` in different packages never clash.
export * as commonV1 from './generated/varde/common/v1/common';
export * as formsV1Events from './generated/varde/forms/v1/events';
export * as measurementsV1Events from './generated/varde/measurements/v1/events';
export * as pathwaysV1Events from './generated/varde/pathways/v1/events';
export * as pathwaysV1Service from './generated/varde/pathways/v1/pathways_service';
export * as sharingV1Events from './generated/varde/sharing/v1/events';
export * as sharingV1Service from './generated/varde/sharing/v1/sharing_service';
export * as triageV1Events from './generated/varde/triage/v1/events';
export * as triageV1Service from './generated/varde/triage/v1/triage_service';
export * from './grpc-options';
export * from './integration-event-types';
export * from './public-feed';
export * as publicCommonV1 from './generated/varde/public/common/v1/common';
export * as publicPathwaysV1 from './generated/varde/public/pathways/v1/events';
export * as publicMeasurementsV1 from './generated/varde/public/measurements/v1/events';
export * as publicTriageV1 from './generated/varde/public/triage/v1/events';
export * as publicFormsV1 from './generated/varde/public/forms/v1/events';
export * from './proto-paths';
export * from './common-mapping';
