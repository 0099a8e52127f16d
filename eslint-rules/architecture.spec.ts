import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The repository's own lint configuration, run on source text placed at a path in the tree (the file need not
// exist): each architecture rule fires on a file that breaks it and stays quiet on one that keeps it.
const root = join(__dirname, '..');
const eslint = new ESLint({ cwd: root });

/** The architecture messages lint gives `source` as if it were the file at `path`. */
async function problems(path: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: join(root, path) });
  return (result?.messages ?? []).filter((m) => m.ruleId?.startsWith('architecture/')).map((m) => `${m.ruleId}: ${m.message}`);
}

/** The messages of the one rule `ruleId` lint gives `source` as if it were the file at `path`. */
async function messagesOf(ruleId: string, path: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: join(root, path) });
  return (result?.messages ?? []).filter((m) => m.ruleId === ruleId).map((m) => m.message);
}

describe('services never import another service', () => {
  const from = 'services/triage/src/application/fixture.ts';
  it.each([
    ['three folders up', `import { x } from '../../../measurements/src/domain/measurement';`],
    ['one folder deeper than before', `import { x } from '../../../../services/measurements/src/domain/measurement';`],
    ['spelled with ./ first', `import { x } from './../../../measurements/src/domain/measurement';`],
    ['its package name', `import { x } from '@varde/sharing';`],
    ['a file under its package name', `import { x } from '@varde/sharing/src/domain/access-log.events';`],
    ['a dynamic import()', `export const load = () => import('../../../pathways/src/domain/enrolment.decide');`],
    ['require()', `export const load = () => require('../../../forms/src/domain/response');`],
    ['a re-export', `export * from '../../../pathways/src/domain/enrolment.events';`],
    ['a type-only import', `import type { X } from '../../../measurements/src/domain/measurement';`],
  ])('reports an import of another service by %s', async (_how, source) => {
    expect(await problems(from, source)).toEqual([expect.stringMatching(/^architecture\/service-boundaries: Services talk over events and gRPC only/)]);
  });

  it('reports it from a test file and from a library too', async () => {
    expect(await problems('services/triage/test/fixture.int.spec.ts', `import { x } from '../../measurements/src/domain/measurement';`)).toHaveLength(1);
    expect(await problems('libs/platform/src/fixture.ts', `import { x } from '../../../services/triage/src/domain/triage-rules';`)).toEqual([
      expect.stringContaining('a library must not import ../../../services/triage/src/domain/triage-rules of service triage'),
    ]);
  });

  it('lets a service import its own code and the libraries', async () => {
    expect(await problems(from, `import { x } from '../domain/triage-rules';\nimport { y } from '@varde/platform';\nimport { z } from '../../test/helpers';`)).toEqual([]);
  });
});

describe('layers point inwards', () => {
  it('keeps the domain to its own domain files and @varde/core', async () => {
    const domain = 'services/triage/src/domain/fixture.ts';
    expect(await problems(domain, `import { x } from './triage-rules';\nimport { ValidationError } from '@varde/core';`)).toEqual([]);
    for (const source of [
      `import { x } from '../application/triage.handler';`,
      `import { x } from '../infrastructure/worklist.projection';`,
      `import { x } from '../api/worklist.http.controller';`,
      `import { Injectable } from '@nestjs/common';`,
      `import pg from 'pg';`,
      `import { x } from '@varde/event-sourcing';`,
      `import { randomUUID } from 'node:crypto';`,
      `export const load = () => import('../infrastructure/worklist.projection');`,
    ]) {
      expect(await problems(domain, source), source).toEqual([expect.stringMatching(/^architecture\/layers: A domain imports only its own domain files and @varde\/core/)]);
    }
  });

  it('keeps application from infrastructure and api', async () => {
    const application = 'services/forms/src/application/fixture.ts';
    expect(await problems(application, `import { x } from '../infrastructure/forms.integration-mapping';`)).toEqual([
      expect.stringContaining('architecture/layers: The application layer must not import the infrastructure layer'),
    ]);
    expect(await problems(application, `export const load = () => require('../api/forms.http.controller');`)).toEqual([expect.stringContaining('must not import the api layer')]);
    expect(await problems(application, `import { x } from '../domain/response';\nimport { y } from './other.handler';`)).toEqual([]);
  });

  it('keeps infrastructure from api, and lets api use every layer below it', async () => {
    expect(await problems('services/forms/src/infrastructure/fixture.ts', `import { x } from '../api/forms.http.controller';`)).toEqual([
      expect.stringContaining('The infrastructure layer must not import the api layer'),
    ]);
    expect(await problems('services/forms/src/api/fixture.ts', `import { a } from '../application/x';\nimport { b } from '../infrastructure/y';\nimport { c } from '../domain/z';`)).toEqual([]);
  });

  it('lets specs beside application code wire real adapters, but keeps domain specs out of other layers', async () => {
    expect(await problems('services/forms/src/application/fixture.spec.ts', `import { x } from '../infrastructure/forms.integration-mapping';`)).toEqual([]);
    expect(await problems('services/forms/src/domain/fixture.spec.ts', `import { x } from '../infrastructure/forms.integration-mapping';`)).toEqual([
      expect.stringContaining('The domain layer must not import the infrastructure layer'),
    ]);
  });

  it('allows no exception: the ports that were infrastructure classes are abstract classes in application/', async () => {
    const file = 'services/pathways/src/application/enrol-patient.handler.ts';
    expect(await problems(file, `import { PatientIdentityRepository } from '../infrastructure/patient-identity.repository';`)).toEqual([expect.stringContaining('The application layer must not import the infrastructure layer')]);
    expect(await problems(file, `import { PatientIdentityRepository } from './patient-identities.port';`)).toEqual([]);
  });
});

describe('application code reaches storage and messaging through ports (ADR 0009)', () => {
  const application = 'services/forms/src/application/fixture.ts';
  const portProblems = (path: string, source: string) => messagesOf('no-restricted-imports', path, source);
  it.each([
    ['the PostgreSQL driver', `import type pg from 'pg';`],
    ['the Kafka client', `import { Kafka } from 'kafkajs';`],
    ['the gRPC driver', `import { credentials } from '@grpc/grpc-js';`],
    ["Emmett's PostgreSQL store", `import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';`],
    ['the raw store token', `import { EVENT_STORE } from '@varde/platform';`],
    ['the pool token', `import { AccessLog, DB_POOL } from '@varde/platform';`],
  ])('reports %s', async (_what, source) => {
    expect(await portProblems(application, source)).toEqual([expect.stringContaining('ADR 0009')]);
  });

  it('accepts the ports, and lets adapters and specs use the drivers', async () => {
    expect(await portProblems(application, `import { EventStore, Transactions } from '@varde/event-sourcing';
import { AccessLog } from '@varde/platform';`)).toEqual([]);
    expect(await portProblems('services/forms/src/infrastructure/fixture.ts', `import type pg from 'pg';
import { DB_POOL } from '@varde/platform';`)).toEqual([]);
    expect(await portProblems('services/forms/src/application/fixture.spec.ts', `import type pg from 'pg';`)).toEqual([]);
  });
});

describe('the domain reads no clock and draws no random number', () => {
  const domain = 'services/measurements/src/domain/fixture.ts';
  it.each([
    ['new Date()', 'export const now = () => new Date();'],
    ['Date.now()', 'export const now = () => Date.now();'],
    ['Date()', 'export const now = () => Date();'],
    ['Math.random()', 'export const pick = () => Math.random();'],
    ['randomUUID()', 'declare const randomUUID: () => string;\nexport const id = () => randomUUID();'],
    ['randomUUID()', 'export const id = () => crypto.randomUUID();'],
  ])('reports %s', async (what, source) => {
    expect(await problems(domain, source)).toEqual([`architecture/domain-purity: ${what} in a domain: time and ids come in with the command (metadata.now, ids made by the caller), so a decision can be replayed (ADR 0016).`]);
  });

  it('lets the domain parse a time it was given, and lets its specs and other layers use the clock', async () => {
    expect(await problems(domain, 'export const at = (iso: string) => new Date(iso).getTime();')).toEqual([]);
    expect(await problems('services/measurements/src/domain/fixture.spec.ts', 'export const now = () => new Date();')).toEqual([]);
    expect(await problems('services/measurements/src/application/fixture.ts', 'export const now = () => Date.now();')).toEqual([]);
  });
});

describe('PostgreSQL connections come from @varde/database', () => {
  const connectionProblems = (path: string, source: string) => messagesOf('no-restricted-syntax', path, source);
  it.each([
    ['a pool in a service', 'services/forms/src/infrastructure/fixture.ts', `import pg from 'pg';\nexport const pool = new pg.Pool({ connectionString: 'x' });`],
    ['a client in a library', 'libs/messaging/src/fixture.ts', `import pg from 'pg';\nexport const client = new pg.Client({ connectionString: 'x' });`],
    ['a pool in a command', 'scripts/fixture.ts', `import pg from 'pg';\nexport const pool = new pg.Pool({ connectionString: 'x' });`],
  ])('reports %s opened without the error listener that survives a database restart', async (_what, path, source) => {
    expect(await connectionProblems(path, source)).toEqual([expect.stringMatching(/createPool \/ createClient from @varde\/database/)]);
  });

  it('accepts createPool, and a test opening its own pool', async () => {
    expect(await connectionProblems('services/forms/src/infrastructure/fixture.ts', `import { createPool } from '@varde/database';\nexport const pool = createPool({ connectionString: 'x' });`)).toEqual([]);
    expect(await connectionProblems('services/forms/test/fixture.int.spec.ts', `import pg from 'pg';\nexport const pool = new pg.Pool({ connectionString: 'x' });`)).toEqual([]);
  });
});

describe('transactions run through inTransaction of @varde/database', () => {
  const transactionProblems = (path: string, source: string) => messagesOf('no-restricted-syntax', path, source);
  it.each([
    ['BEGIN', "await client.query('BEGIN');"],
    ['a lower-case begin with a level', "await client.query('begin isolation level serializable');"],
    ['START TRANSACTION', "await client.query('START TRANSACTION');"],
    ['COMMIT', "await client.query('COMMIT');"],
    ['ROLLBACK', "await client.query('ROLLBACK').catch(() => undefined);"],
    ['SAVEPOINT', "await client.query('SAVEPOINT part');"],
    ['RELEASE SAVEPOINT', "await client.query('RELEASE SAVEPOINT part');"],
  ])('reports %s written by hand', async (_what, statement) => {
    const source = `import type pg from 'pg';\nexport async function f(client: pg.PoolClient): Promise<void> {\n  ${statement}\n}\n`;
    expect(await transactionProblems('libs/messaging/src/fixture.ts', source)).toEqual([expect.stringMatching(/inTransaction from @varde\/database/)]);
  });

  it('accepts inTransaction, other statements, and a test that drives a transaction itself', async () => {
    expect(await transactionProblems('services/forms/src/infrastructure/fixture.ts', `import { inTransaction } from '@varde/database';\nimport type pg from 'pg';\nexport const f = (pool: pg.Pool) => inTransaction(pool, (c) => c.query('SELECT 1'));`)).toEqual([]);
    expect(await transactionProblems('services/forms/src/infrastructure/fixture.ts', `import type pg from 'pg';\nexport const f = (c: pg.Client) => c.query('SELECT begin_at FROM t');`)).toEqual([]);
    expect(await transactionProblems('libs/event-sourcing/src/fixture.int.spec.ts', `import type pg from 'pg';\nexport const f = (c: pg.Client) => c.query('BEGIN');`)).toEqual([]);
  });
});
