/** The subject of a dev `system` token minted without one: the gateway id tests assign. */
export const DEV_GATEWAY = 'dev-system';

/** Lets a device gateway submit for a patient, as a clinician does through measurements' HTTP API. */
export async function assignGateway(measurementsUrl: string, clinicianToken: string, patientId: string, gatewayId = DEV_GATEWAY): Promise<void> {
  const response = await fetch(`${measurementsUrl}/api/patients/${patientId}/device-gateways/${encodeURIComponent(gatewayId)}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${clinicianToken}` },
  });
  if (response.status !== 201 && response.status !== 200) throw new Error(`gateway assignment failed: ${response.status} ${await response.text()}`);
}
