import { commonV1, type triageV1Events } from '@varde/contracts';
import type { AssessmentProvenance } from '../domain/triage.events';
import type { Colour, Reason } from '../domain/triage-rules';

const colours: Readonly<Record<Colour, commonV1.Colour>> = { green: commonV1.Colour.COLOUR_GREEN, yellow: commonV1.Colour.COLOUR_YELLOW, red: commonV1.Colour.COLOUR_RED };

/** A triage colour as the protobuf contracts carry it; null (no colour yet) is COLOUR_UNSPECIFIED. */
export function colourToProto(colour: Colour | null): commonV1.Colour {
  return colour === null ? commonV1.Colour.COLOUR_UNSPECIFIED : colours[colour];
}

/** The protobuf colour a filter asks for, or undefined for COLOUR_UNSPECIFIED (no filter). */
export function colourFromProto(colour: commonV1.Colour): Colour | undefined {
  return (Object.keys(colours) as Colour[]).find((c) => colours[c] === colour);
}

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
  };
}
