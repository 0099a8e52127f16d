import { Controller, Delete, Headers, HttpCode, Inject, Param, Put, Res } from '@nestjs/common';
import { Access, CurrentPrincipal, type Principal } from '@varde/auth';
import { NotFoundError, ValidationError } from '@varde/core';
import { commandMetadataFrom, EnrolmentDirectory, type MetadataHeaders } from '@varde/platform';
import type { FastifyReply } from 'fastify';
import { GatewayAssignmentHandler } from '../application/gateway-assignment.handler';
import { patientParam } from './measurement-query.params';

// A gateway id is the subject (client id) of its `system` token: HelseID client ids, UUIDs, dev subjects.
const GATEWAY_ID = /^[A-Za-z0-9][A-Za-z0-9._:@~-]{0,199}$/;

/** The device gateways assigned to a patient, as every answer of this controller returns them. */
export type DeviceGatewaysBody = Readonly<{ patientId: string; gateways: readonly string[] }>;

/** Which device gateways (`system` clients) may submit measurements for a patient; set by clinicians of the patient's care team. */
@Controller('api/patients/:patientId/device-gateways')
export class DeviceGatewaysHttpController {
  constructor(
    @Inject(GatewayAssignmentHandler) private readonly assignments: GatewayAssignmentHandler,
    @Inject(EnrolmentDirectory) private readonly enrolments: EnrolmentDirectory,
  ) {}

  /** `201 { patientId, gateways }` when assigned now, `200` when it already was; `404` for a patient not enrolled. */
  @Put(':gatewayId')
  @Access('device-gateways', 'write', { patient: { param: 'patientId' } })
  @HttpCode(201)
  async assign(
    @Param('patientId') patient: string,
    @Param('gatewayId') gateway: string,
    @Headers() headers: MetadataHeaders,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeviceGatewaysBody> {
    const [patientId, gatewayId] = [patientParam(patient, 'patientId'), gatewayParam(gateway)];
    // Only a clinician of the patient's care team decides which devices speak for the patient.
    const { enrolment } = await this.enrolments.authorise(principal, 'device-gateways', 'write', patientId);
    if (enrolment === undefined) throw new NotFoundError(`patientId: Patient/${patientId} is not enrolled on any pathway`);
    const result = await this.assignments.handle('AssignGateway', { patientId, gatewayId }, commandMetadataFrom(principal, headers));
    if (!result.changed) void reply.status(200);
    return { patientId, gateways: result.gateways };
  }

  /** `200 { patientId, gateways }` once revoked; `409` when the gateway is not assigned to the patient. */
  @Delete(':gatewayId')
  @Access('device-gateways', 'write', { patient: { param: 'patientId' } })
  async revoke(@Param('patientId') patient: string, @Param('gatewayId') gateway: string, @Headers() headers: MetadataHeaders, @CurrentPrincipal() principal: Principal): Promise<DeviceGatewaysBody> {
    const [patientId, gatewayId] = [patientParam(patient, 'patientId'), gatewayParam(gateway)];
    await this.enrolments.authorise(principal, 'device-gateways', 'write', patientId);
    const result = await this.assignments.handle('RevokeGateway', { patientId, gatewayId }, commandMetadataFrom(principal, headers));
    return { patientId, gateways: result.gateways };
  }
}

function gatewayParam(value: string): string {
  if (!GATEWAY_ID.test(value)) throw ValidationError.field('gatewayId', 'expected the gateway\'s client id (its token subject): letters, digits and . _ : @ ~ -, at most 200');
  return value;
}
