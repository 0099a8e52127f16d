import { createServer } from 'node:net';
import { Metadata, status } from '@grpc/grpc-js';
import { Controller, type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, type ClientGrpcProxy, RpcException, Transport } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Colour } from './generated/varde/common/v1/common';
import {
  type GetActiveEnrolmentRequest,
  type GetActiveEnrolmentResponse,
  type GetPatientIdentityRequest,
  type GetPatientIdentityResponse,
  FindEnrolledPatientResponse,
  PATHWAYS_SERVICE_NAME,
  type PathwaysServiceClient,
  type PathwaysServiceController,
  PathwaysServiceControllerMethods,
} from './generated/varde/pathways/v1/pathways_service';
import { grpcOptions } from './grpc-options';

const enrolment: GetActiveEnrolmentResponse = {
  enrolment: {
    patientId: 'patient-1',
    enrolmentId: 'enrolment-1',
    pathwayId: 'heart-failure',
    pathwayVersion: 3,
    careTeamId: 'hf-team-ous',
    paused: false,
    ruleSet: {
      id: 'hf-rules',
      version: 7,
      contentHash: 'sha256:abc123',
      rules: [{
        id: 'hr-high', code: { system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }, operator: 'gt',
        threshold: 120, unit: '/min', colour: Colour.COLOUR_RED, reasonTemplate: 'Heart rate {value} {unit} is above {threshold} {unit}',
      }],
    },
    enrolledAt: new Date('2025-03-01T08:15:30.123Z'),
  },
};

const correlationIdsSeen: string[] = [];

// A stand-in for the pathways service's gRPC controller: this spec tests the contract, not that service.
@Controller()
@PathwaysServiceControllerMethods()
class PathwaysGrpcController implements PathwaysServiceController {
  getActiveEnrolment(request: GetActiveEnrolmentRequest, metadata?: Metadata): GetActiveEnrolmentResponse {
    correlationIdsSeen.push(String(metadata?.get('x-correlation-id')[0]));
    if (request.patientId !== enrolment.enrolment?.patientId) {
      throw new RpcException({ code: status.NOT_FOUND, message: `patient ${request.patientId} has no active enrolment` });
    }
    return enrolment;
  }

  getPatientIdentity(request: GetPatientIdentityRequest): GetPatientIdentityResponse {
    throw new RpcException({ code: status.NOT_FOUND, message: `no national id for ${request.patientId}` });
  }

  findEnrolledPatient(): FindEnrolledPatientResponse {
    throw new RpcException({ code: status.NOT_FOUND, message: 'no enrolled patient has this national identity number' });
  }
}

@Module({ controllers: [PathwaysGrpcController] })
class PathwaysGrpcModule {}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

describe('pathways gRPC contract through NestJS and @grpc/proto-loader', () => {
  let app: INestMicroservice;
  let client: ClientGrpcProxy;
  let pathways: PathwaysServiceClient;

  beforeAll(async () => {
    const url = `127.0.0.1:${await freePort()}`;
    app = await NestFactory.createMicroservice(PathwaysGrpcModule, {
      transport: Transport.GRPC,
      options: grpcOptions('pathways', url),
      logger: false,
    });
    await app.listen();
    client = ClientProxyFactory.create({ transport: Transport.GRPC, options: grpcOptions('pathways', url) }) as ClientGrpcProxy;
    pathways = client.getService<PathwaysServiceClient>(PATHWAYS_SERVICE_NAME);
  });

  afterAll(async () => {
    client?.close();
    await app?.close();
  });

  it('returns the active enrolment with its rule set and enrolment time', async () => {
    const metadata = new Metadata();
    metadata.set('x-correlation-id', 'correlation-1');

    const response = await lastValueFrom(pathways.getActiveEnrolment({ patientId: 'patient-1' }, metadata));

    expect(response).toEqual(enrolment);
    expect(response.enrolment?.enrolledAt).toBeInstanceOf(Date);
    expect(correlationIdsSeen).toContain('correlation-1');
  });

  it('answers NOT_FOUND with a readable message for a patient without an enrolment', async () => {
    const call = lastValueFrom(pathways.getActiveEnrolment({ patientId: 'patient-404' }));

    await expect(call).rejects.toMatchObject({
      code: status.NOT_FOUND,
      details: 'patient patient-404 has no active enrolment',
    });
  });
});
