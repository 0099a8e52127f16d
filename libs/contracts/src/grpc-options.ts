import type { GrpcOptions } from '@nestjs/microservices';
// Importing the generated service modules is also what registers ts-proto's protobufjs
// Timestamp<->Date wrapper, so the runtime loader hands handlers Dates, as the types promise.
import { VARDE_PATHWAYS_V1_PACKAGE_NAME } from './generated/varde/pathways/v1/pathways_service';
import { VARDE_SHARING_V1_PACKAGE_NAME } from './generated/varde/sharing/v1/sharing_service';
import { VARDE_TRIAGE_V1_PACKAGE_NAME } from './generated/varde/triage/v1/triage_service';
import { pathwaysServiceProto, protoRoot, sharingServiceProto, triageServiceProto } from './proto-paths';

type GrpcTransportOptions = GrpcOptions['options'];

/**
 * @grpc/proto-loader options under which NestJS's runtime messages have the shapes of the generated types:
 * camelCase fields, int64 and enums as numbers, absent scalars and lists as zero values. An absent
 * message field arrives as `null` (not `undefined`), so test message fields with `== null`.
 */
export const grpcLoaderOptions: NonNullable<GrpcTransportOptions['loader']> = {
  keepCase: false,
  longs: Number,
  defaults: true,
  arrays: true,
  oneofs: true,
  // google/protobuf/*.proto need no directory: protobufjs ships the well-known types.
  includeDirs: [protoRoot],
};

/** Package and proto file of each gRPC contract, keyed by the service that implements it. */
export const grpcServices = {
  pathways: { package: VARDE_PATHWAYS_V1_PACKAGE_NAME, protoPath: pathwaysServiceProto },
  sharing: { package: VARDE_SHARING_V1_PACKAGE_NAME, protoPath: sharingServiceProto },
  triage: { package: VARDE_TRIAGE_V1_PACKAGE_NAME, protoPath: triageServiceProto },
} as const;

/** NestJS `Transport.GRPC` options to serve or call one service's gRPC contract at `url` (`host:port`). */
export function grpcOptions(service: keyof typeof grpcServices, url: string): GrpcTransportOptions {
  return { ...grpcServices[service], url, loader: grpcLoaderOptions };
}
