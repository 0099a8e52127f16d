import { UnavailableError, type AccessLogEntry, type CommandMetadata } from '@varde/core';
import { deterministicId } from '@varde/event-sourcing';
import type { OnModuleDestroy } from '@nestjs/common';
import { actorToProto, sharingV1Service } from '@varde/contracts';
import { callGrpc, createGrpcClient, type GrpcClient } from './grpc-client';
import type { ServiceCredentials } from './service-credentials';

/** The access log every read of patient data is written to before it is shown (fail closed). */
export abstract class AccessLog {
  /** Records the reads; throws (UnavailableError) when the log cannot be reached. */
  abstract record(entries: readonly AccessLogEntry[]): Promise<void>;

  /**
   * Records that the caller of `request` read these patients' data (`source` names the reading service), with the
   * policy's reason: one for all (`reason`), or each patient's own (`reasons`, a list read) — an auditor's stated
   * reason (`request.auditReason`) first. One entry id per request and patient, so a retried call records each read once.
   */
  async recordReads(
    source: string,
    patientIds: readonly string[],
    what: Readonly<{ purpose: string; resource: string; reason?: string; reasons?: ReadonlyMap<string, string> }>,
    request: CommandMetadata,
  ): Promise<void> {
    if (patientIds.length === 0) return;
    await this.record(accessLogEntriesFor(source, patientIds, what, request));
  }
}

/**
 * The access-log entries of `request`'s reads of these patients (see {@link AccessLog.recordReads}): an auditor's
 * stated reason first, else each patient's own (`reasons`) or the one `reason`; one deterministic entry id per request
 * and patient.
 */
export function accessLogEntriesFor(
  source: string,
  patientIds: readonly string[],
  what: Readonly<{ purpose: string; resource: string; reason?: string; reasons?: ReadonlyMap<string, string> }>,
  request: CommandMetadata,
): AccessLogEntry[] {
  return patientIds.map((patientId) => {
    const reason = request.auditReason ?? what.reasons?.get(patientId) ?? what.reason;
    return {
      entryId: deterministicId(`${source}:${what.resource}:${request.commandId}:${patientId}`),
      patientId,
      actor: request.actor,
      purpose: what.purpose,
      resource: what.resource,
      accessedAt: request.now,
      correlationId: request.correlationId,
      ...(reason ? { reason } : {}),
    };
  });
}

/** Most entries sharing accepts in one RecordAccess call (its MAX_ENTRIES_PER_CALL); bigger reads are split. */
const ENTRIES_PER_CALL = 1000;

/** {@link AccessLog} in the sharing service, over gRPC `RecordAccess`; unreachable → UnavailableError (503). */
export class SharingAccessLog extends AccessLog implements OnModuleDestroy {
  private readonly client: GrpcClient;
  private readonly service: sharingV1Service.SharingServiceClient;

  /** `credentials`: this service's identity, sent with every call (sharing refuses calls without one). */
  constructor(
    url: string,
    private readonly credentials: ServiceCredentials,
  ) {
    super();
    this.client = createGrpcClient('sharing', url);
    this.service = this.client.service<sharingV1Service.SharingServiceClient>('SharingService');
  }

  override async record(entries: readonly AccessLogEntry[]): Promise<void> {
    await this.send(entries).catch((error: unknown) => {
      // Whatever went wrong, the read was not logged, so it must not be shown: always 503, never a 4xx.
      if (error instanceof UnavailableError) throw error;
      throw new UnavailableError(`The access log did not record this read: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  // A what-if over a pathway reads thousands of patients: one call per 1 000 entries keeps each within
  // sharing's limit and gRPC's 4 MB message size. Every call must succeed before anything is shown.
  private async send(entries: readonly AccessLogEntry[]): Promise<void> {
    for (let start = 0; start < entries.length; start += ENTRIES_PER_CALL) await this.sendCall(entries.slice(start, start + ENTRIES_PER_CALL));
  }

  private async sendCall(entries: readonly AccessLogEntry[]): Promise<void> {
    const metadata = await this.credentials.metadata('sharing');
    await callGrpc(
      this.service.recordAccess({
        entries: entries.map((e) => ({
          entryId: e.entryId,
          patientId: e.patientId,
          actor: actorToProto(e.actor),
          purpose: e.purpose,
          resource: e.resource,
          accessedAt: new Date(e.accessedAt),
          correlationId: e.correlationId,
          reason: e.reason ?? '',
        })),
      }, metadata),
      'sharing.RecordAccess',
    );
  }

  onModuleDestroy(): void {
    this.client.close();
  }
}
