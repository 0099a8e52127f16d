import type { CommandMetadata } from '@varde/core';
import { deterministicId } from '@varde/event-sourcing';

/** Metadata of a command pathways issues itself (the scheduler, the shipped pathways): the system's, with an id derived from `key`, so a retry writes nothing. */
export function systemMetadata(key: string, now: string): CommandMetadata {
  const commandId = deterministicId(key);
  return { commandId, correlationId: commandId, actor: { subject: 'varde-pathways', role: 'system' }, now };
}
