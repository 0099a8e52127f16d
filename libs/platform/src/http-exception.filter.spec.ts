import { status } from '@grpc/grpc-js';
import type { ArgumentsHost } from '@nestjs/common';
import { IllegalStateError } from '@varde/core';
import { createLogger } from '@varde/telemetry';
import { firstValueFrom, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { grpcCall } from './grpc-errors';
import { HttpExceptionFilter } from './http-exception.filter';

/** The filter with a real logger writing to a list of parsed lines. */
function filterWithLog() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ service: 'triage', level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  return { filter: new HttpExceptionFilter(logger), lines };
}

/** A gRPC call as Nest hands it to a filter: the request, no principal, and the call whose path names the method. */
const grpcHost = (path: string): ArgumentsHost =>
  ({
    getType: () => 'rpc',
    getArgByIndex: (index: number) => (index === 2 ? { getPath: () => path } : undefined),
    switchToRpc: () => ({ getData: () => ({ patientId: 'p-1' }), getContext: () => undefined }),
  }) as unknown as ArgumentsHost;

/** What the filter answers the gRPC client: the status and message it rejects with. */
const answered = async (result: void | Observable<never>): Promise<{ code: number; message: string }> => firstValueFrom(result as Observable<never>).then(() => ({ code: -1, message: 'no error' }), (error: { code: number; message: string }) => error);

const thrownBy = async (body: () => Promise<unknown>): Promise<unknown> => grpcCall(body).then(() => undefined, (error: unknown) => error);

describe('HttpExceptionFilter on gRPC: an unexpected error is INTERNAL to the client and logged whole', () => {
  it('logs an error no typed error describes at error level, with the error and the method, and answers only "internal error"', async () => {
    const { filter, lines } = filterWithLog();
    const exception = await thrownBy(() => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'colour')")));
    const answer = await answered(filter.catch(exception, grpcHost('/varde.triage.v1.TriageService/GetPatientStatus')));
    expect(answer).toEqual({ code: status.INTERNAL, message: 'internal error' });
    expect(lines).toEqual([
      expect.objectContaining({ level: 'error', msg: 'unexpected error', route: '/varde.triage.v1.TriageService/GetPatientStatus', err: expect.objectContaining({ type: 'TypeError', message: "Cannot read properties of undefined (reading 'colour')", stack: expect.stringContaining('TypeError') }) }),
    ]);
  });

  it('logs an error thrown outside grpcCall the same way', async () => {
    const { filter, lines } = filterWithLog();
    const answer = await answered(filter.catch(new RangeError('out of range'), grpcHost('/varde.forms.v1.FormsService/AuthorQuestionnaire')));
    expect(answer.code).toBe(status.INTERNAL);
    expect(lines).toEqual([expect.objectContaining({ level: 'error', msg: 'unexpected error', err: expect.objectContaining({ type: 'RangeError' }) })]);
  });

  it('does not log a typed refusal as unexpected: the client reads its status and message', async () => {
    const { filter, lines } = filterWithLog();
    const exception = await thrownBy(() => Promise.reject(new IllegalStateError('alert a-1 is already resolved')));
    expect(await answered(filter.catch(exception, grpcHost('/varde.triage.v1.TriageService/AcknowledgeAlert')))).toEqual({ code: status.FAILED_PRECONDITION, message: 'alert a-1 is already resolved' });
    expect(lines).toEqual([]);
  });
});
