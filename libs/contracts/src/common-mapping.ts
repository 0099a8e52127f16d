import type { Actor } from '@varde/core';
import { Colour, type Actor as ActorMessage } from './generated/varde/common/v1/common';

/** A triage colour as services name it. */
export type ColourName = 'green' | 'yellow' | 'red';

const toProto: Readonly<Record<ColourName, Colour>> = { green: Colour.COLOUR_GREEN, yellow: Colour.COLOUR_YELLOW, red: Colour.COLOUR_RED };

/** A colour as the contracts carry it; null (no colour yet) is COLOUR_UNSPECIFIED. */
export function colourToProto(colour: ColourName | null): Colour {
  return colour === null ? Colour.COLOUR_UNSPECIFIED : toProto[colour];
}

/** The colour a protobuf value names, or undefined for COLOUR_UNSPECIFIED and unknown numbers. */
export function colourFromProto(colour: Colour): ColourName | undefined {
  return (Object.keys(toProto) as ColourName[]).find((name) => toProto[name] === colour);
}

/** An actor as the contracts carry it: absent optional parts are empty strings. */
export function actorToProto(actor: Readonly<{ subject: string; role: string; organisation?: string; onBehalfOf?: string; hprNumber?: string }> | Actor): ActorMessage {
  return { subject: actor.subject, role: actor.role, organisation: actor.organisation ?? '', onBehalfOf: actor.onBehalfOf ?? '', hprNumber: actor.hprNumber ?? '' };
}
