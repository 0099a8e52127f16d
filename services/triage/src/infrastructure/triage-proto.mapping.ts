import type { triageV1Events } from '@varde/contracts';
import type { AssessmentProvenance } from '../domain/triage.events';
import type { Reason } from '../domain/triage-rules';

/** One matching rule as the contracts carry it (the integration event and the gRPC status share the message). */
export function reasonToProto(r: Reason): triageV1Events.Reason {
  return {
    ruleId: r.ruleId,
    text: r.text,
    code: { system: r.code.system, code: r.code.code, display: '' },
    value: r.value,
    unit: r.unit,
    threshold: r.threshold,
    inputEventId: r.inputEventId,
    effectiveTime: new Date(r.effectiveTime),
    kind: r.kind,
    inputs: r.inputs.map((i) => ({ eventId: i.eventId, value: i.value, unit: i.unit, effectiveTime: new Date(i.effectiveTime) })),
  };
}

/** Assessment provenance as the contracts carry it. */
export function provenanceToProto(p: AssessmentProvenance): triageV1Events.AssessmentProvenance {
  return {
    inputs: p.inputs.map((i) => ({ eventId: i.eventId, source: i.source, position: Number(i.position) })),
    ruleSetId: p.ruleSetId,
    ruleSetVersion: p.ruleSetVersion,
    ruleSetHash: p.ruleSetHash,
    engineVersion: p.engineVersion,
    overridesVersion: p.overridesVersion ?? 0,
  };
}
