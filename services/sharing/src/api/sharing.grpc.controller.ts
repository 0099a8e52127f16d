import { randomUUID } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { Controller, Inject } from '@nestjs/common';
import { toActor, type PrincipalHolder } from '@varde/auth';
import { sharingV1Service } from '@varde/contracts';
import type { Actor } from '@varde/core';
import { grpcCall } from '@varde/platform';
import { currentTraceContext } from '@varde/telemetry';
import { RecordAccessHandler } from '../application/record-access.handler';
import { accessEntriesFrom } from './record-access.request';

// The platform's gRPC port is internal and (for now) unauthenticated: the auth guard does not reach gRPC
// handlers in the hybrid app. The caller is then recorded as an anonymous service; the reader of the data
// is in each entry either way.
const UNAUTHENTICATED_CALLER: Actor = { subject: 'unauthenticated-grpc-caller', role: 'system' };

/** gRPC `varde.sharing.v1.SharingService`: the access log every read of patient data is written to. */
@Controller()
@sharingV1Service.SharingServiceControllerMethods()
export class SharingGrpcController implements sharingV1Service.SharingServiceController {
  constructor(@Inject(RecordAccessHandler) private readonly handler: RecordAccessHandler) {}

  recordAccess(request: sharingV1Service.RecordAccessRequest, metadata: Metadata): Promise<sharingV1Service.RecordAccessResponse> {
    return grpcCall(async () => {
      const { principal } = metadata as unknown as PrincipalHolder;
      const now = new Date().toISOString();
      const entries = accessEntriesFrom(request.entries, now);
      const [header] = metadata.get('x-correlation-id');
      const trace = currentTraceContext();
      const recorded = await this.handler.record(entries, {
        correlationId: typeof header === 'string' && header !== '' ? header : (entries[0]?.correlationId || randomUUID()),
        actor: principal ? toActor(principal) : UNAUTHENTICATED_CALLER,
        now,
        ...(trace.traceparent ? { traceparent: trace.traceparent } : {}),
        ...(trace.tracestate ? { tracestate: trace.tracestate } : {}),
      });
      return { recorded };
    });
  }
}
