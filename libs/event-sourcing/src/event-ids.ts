import { v5 as uuidv5 } from 'uuid';

// A fixed namespace so the same command always yields the same event ids, on any node, forever.
const VARDE_EVENT_NAMESPACE = '5b0f7c52-8a3e-4d1f-9b51-2a4c8e6f0d13';

/** Deterministic id of the n-th event produced by a command: a retried command never writes twice. */
export const eventIdFor = (commandId: string, index: number): string => uuidv5(`${commandId}#${index}`, VARDE_EVENT_NAMESPACE);

/** Deterministic id derived from any stable key (e.g. an incoming message id and a consumer name). */
export const deterministicId = (key: string): string => uuidv5(key, VARDE_EVENT_NAMESPACE);
