/** An SpO2 reading (LOINC 2708-6, %) of `patientId` as a FHIR R4 Observation, as a patient's device posts it. */
export function spo2Observation(patientId: string, value: number, at: Date = new Date()) {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '2708-6' }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: at.toISOString(),
    valueQuantity: { value, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  };
}
