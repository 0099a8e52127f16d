import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catch, Controller, Get, Module, Param, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { VardeError } from '@varde/core';
import type { FastifyReply } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevIssuer, type DevIssuer } from '../../../deploy/local/dev-issuer/dev-issuer';
import { mintDevToken, type DevTokenOptions } from '../../../deploy/local/dev-issuer/mint-token';
import { CurrentPrincipal, Public, Roles } from './auth.guard';
import { AuthModule } from './auth.module';
import { assertMayActOnPatient } from './authorization';
import { assertAccess } from './access-policy';
import { Access } from './access.decorator';
import type { Principal } from './principal';

// Stand-in for the shared exception filter: only the two statuses this test looks at.
@Catch(VardeError)
class AuthErrorFilter implements ExceptionFilter {
  catch(error: VardeError, host: ArgumentsHost): void {
    const status = error.kind === 'unauthorized' ? 401 : error.kind === 'forbidden' ? 403 : 500;
    void host.switchToHttp().getResponse<FastifyReply>().code(status).send({ kind: error.kind, detail: error.message });
  }
}

@Controller()
class PatientsController {
  @Public()
  @Get('health')
  health(): { status: string } {
    return { status: 'ok' };
  }

  @Get('patients/:patientId/measurements')
  measurements(@CurrentPrincipal() principal: Principal, @Param('patientId') patientId: string): { patientId: string; readBy: string } {
    assertMayActOnPatient(principal, patientId);
    return { patientId, readBy: principal.subject };
  }

  @Access('measurements', 'read', { patient: { param: 'patientId' } })
  @Get('declared/:patientId/measurements')
  declared(@CurrentPrincipal() principal: Principal, @Param('patientId') patientId: string): { patientId: string } {
    assertAccess(principal, { category: 'measurements', action: 'read', patient: { id: patientId, careTeamId: 'copd-care-team' } });
    return { patientId };
  }

  @Roles('clinician')
  @Get('worklist')
  worklist(): { items: unknown[] } {
    return { items: [] };
  }
}

describe('AuthGuard in a NestJS app on Fastify', () => {
  let keysDir: string;
  let issuer: DevIssuer;
  let app: NestFastifyApplication;
  const bearer = async (options: DevTokenOptions): Promise<{ authorization: string }> => ({
    authorization: `Bearer ${await mintDevToken({ ...options, issuer: issuer.url, keysDir })}`,
  });
  const get = async (url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> => {
    const response = await app.inject({ method: 'GET', url, headers });
    return { status: response.statusCode, body: response.json() };
  };

  beforeAll(async () => {
    keysDir = await mkdtemp(join(tmpdir(), 'varde-dev-issuer-'));
    issuer = await startDevIssuer({ port: 0, keysDir });

    @Module({
      imports: [AuthModule.forRoot({ issuer: issuer.url, audience: 'varde', jwksUrl: `${issuer.url}/jwks` })],
      controllers: [PatientsController],
      providers: [{ provide: APP_FILTER, useClass: AuthErrorFilter }],
    })
    class TestAppModule {}

    app = await NestFactory.create<NestFastifyApplication>(TestAppModule, new FastifyAdapter(), { logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
    await issuer?.close();
    await rm(keysDir, { recursive: true, force: true });
  });

  it('answers a public route without a token', async () => {
    expect(await get('/health')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('refuses a call without a token with 401 and says how to authenticate', async () => {
    expect(await get('/patients/pat-1/measurements')).toEqual({
      status: 401,
      body: { kind: 'unauthorized', detail: "missing bearer token: send the header 'Authorization: Bearer <token>'" },
    });
  });

  it("refuses a patient reading another patient's data with 403", async () => {
    const response = await get('/patients/pat-2/measurements', await bearer({ role: 'patient', patientId: 'pat-1' }));
    expect(response).toEqual({ status: 403, body: { kind: 'forbidden', detail: 'a patient token may not act on patient pat-2' } });
  });

  it('lets a patient read their own data, as themselves', async () => {
    const response = await get('/patients/pat-1/measurements', await bearer({ role: 'patient', patientId: 'pat-1' }));
    expect(response).toEqual({ status: 200, body: { patientId: 'pat-1', readBy: 'dev-patient-pat-1' } });
  });

  it('enforces @Roles: a clinician gets the worklist, a patient gets 403', async () => {
    expect((await get('/worklist', await bearer({ role: 'clinician' }))).status).toBe(200);
    expect(await get('/worklist', await bearer({ role: 'patient', patientId: 'pat-1' }))).toEqual({
      status: 403,
      body: { kind: 'forbidden', detail: 'role patient may not do this; allowed: clinician' },
    });
  });

  it('refuses an expired token with 401', async () => {
    const headers = await bearer({ role: 'clinician', issuedAt: new Date(Date.now() - 2 * 3600_000) });
    const response = await get('/worklist', headers);
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ detail: expect.stringMatching(/^token expired at /) });
  });

  it('refuses a token sent in the query string, even next to a valid header', async () => {
    const token = (await bearer({ role: 'patient', patientId: 'pat-1' })).authorization.slice('Bearer '.length);
    const response = await get(`/patients/pat-1/measurements?access_token=${token}`, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ detail: expect.stringContaining('a token in the query string (access_token) is refused') });
  });

  it('enforces @Access: the scope (403 naming it), the roles the policy table allows, and the care team', async () => {
    expect((await get('/declared/pat-1/measurements', await bearer({ role: 'clinician' }))).status).toBe(200);
    expect(await get('/declared/pat-1/measurements', await bearer({ role: 'clinician', scopes: ['varde/forms.read'] }))).toEqual({
      status: 403,
      body: { kind: 'forbidden', detail: 'the token lacks the scope "varde/measurements.read" this request needs' },
    });
    expect((await get('/declared/pat-1/measurements', await bearer({ role: 'pathway-designer', scopes: ['varde/measurements.read'] }))).status).toBe(403);
    expect((await get('/declared/pat-1/measurements', await bearer({ role: 'clinician', careTeams: ['hjerte-ous'] }))).body).toMatchObject({ detail: expect.stringContaining('is not on one of your care teams') });
  });
});
