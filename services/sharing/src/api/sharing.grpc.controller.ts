import { randomUUID } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { Controller, Inject } from '@nestjs/common';
import { toActor, type PrincipalHolder } from '@varde/auth';
import { sharingV1Service } from '@varde/contracts';
import { UnauthorizedError } from '@varde/core';
import type { AccessDecision } from '@varde/auth';
import { grpcCall } from '@varde/platform';
import { currentTraceContext } from '@varde/telemetry';
import { RecordAccessHandler } from '../application/record-access.handler';
import { accessEntriesFrom } from './record-access.request';
import { checkAccessBatchFrom, checkAccessQuestionFrom } from './check-access.request';
import { PatientAccessDecisions } from '../application/patient-access.decisions';

/** gRPC `varde.sharing.v1.SharingService`: the access log every read of patient data is written to, and the policy decision point. */
@Controller()
@sharingV1Service.SharingServiceControllerMethods()
export class SharingGrpcController implements sharingV1Service.SharingServiceController {
  constructor(
    @Inject(RecordAccessHandler) private readonly handler: RecordAccessHandler,
    @Inject(PatientAccessDecisions) private readonly decisions: PatientAccessDecisions,
  ) {}

  /** The policy decision point: the table with the patient's consents, blocks and emergency accesses (docs/api/sharing.md). */
  checkAccess(request: sharingV1Service.CheckAccessRequest): Promise<sharingV1Service.CheckAccessResponse> {
    return grpcCall(async () => {
      const { principal, question } = checkAccessQuestionFrom(request);
      return answerOf(await this.decisions.decide(principal, question, new Date().toISOString()));
    });
  }

  /** CheckAccess for a list's patients (care teams as the caller knows them), and the actor's open emergency accesses when asked. */
  checkAccessBatch(request: sharingV1Service.CheckAccessBatchRequest): Promise<sharingV1Service.CheckAccessBatchResponse> {
    return grpcCall(async () => {
      const { principal, question } = checkAccessBatchFrom(request);
      const decisions = await this.decisions.decideMany(principal, question, new Date().toISOString());
      return { decisions: [...decisions].map(([patientId, decision]) => ({ patientId, decision: answerOf(decision) })) };
    });
  }

  recordAccess(request: sharingV1Service.RecordAccessRequest, metadata: Metadata): Promise<sharingV1Service.RecordAccessResponse> {
    return grpcCall(async () => {
      // The auth guard let the call in only with a service token for sharing (ADR 0013): the calling service.
      const { principal } = metadata as unknown as PrincipalHolder;
      if (principal === undefined) throw new UnauthorizedError('RecordAccess needs a service token');
      const now = new Date().toISOString();
      const entries = accessEntriesFrom(request.entries, now);
      const [header] = metadata.get('x-correlation-id');
      const trace = currentTraceContext();
      const recorded = await this.handler.record(entries, {
        correlationId: typeof header === 'string' && header !== '' ? header : (entries[0]?.correlationId || randomUUID()),
        actor: toActor(principal),
        now,
        ...(trace.traceparent ? { traceparent: trace.traceparent } : {}),
        ...(trace.tracestate ? { tracestate: trace.tracestate } : {}),
      });
      return { recorded };
    });
  }
}

const answerOf = (decision: AccessDecision): sharingV1Service.CheckAccessResponse => ({
  permit: decision.decision === 'permit',
  reason: decision.reason,
  basis: decision.basis,
  obligations: [...decision.obligations],
  relation: decision.relation,
});
