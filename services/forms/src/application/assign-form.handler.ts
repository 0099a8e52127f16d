import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { deterministicId, EventStore, handleCommandInTransaction, Transactions } from '@varde/event-sourcing';
import { assignmentDecider, nextDeadline, type AssignForm, type AssignmentCommand } from '../domain/assignment.decide';
import { assignmentStreamId } from '../domain/assignment.events';
import { AssignmentDeadlines } from './assignment-deadlines.port';

/** What an assignment asks, as the edge or a consumer hands it over. */
export type AssignmentRequest = Omit<AssignForm['data'], 'assignmentId'>;

/**
 * A patient's form assignments: assign, mark answered, and let deadlines pass (expiry, reminders). Each command
 * records the patient's next deadline in the transaction of its events, for the deadline job to find.
 */
@Injectable()
export class AssignFormHandler {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(AssignmentDeadlines) private readonly deadlines: AssignmentDeadlines,
  ) {}

  /** The assignment id; `created` false when the patient already held the version open (or this was a retry). */
  async handle(input: AssignmentRequest, metadata: CommandMetadata): Promise<{ assignmentId: string; created: boolean }> {
    // Derived from the command so a retried command proposes the very same assignment.
    const assignmentId = deterministicId(`assignment:${metadata.commandId}`);
    const result = await this.run(input.patientId, { type: 'AssignForm', data: { ...input, assignmentId }, metadata });
    return { assignmentId, created: result.events.length > 0 && !result.alreadyHandled };
  }

  /** Marks the oldest open assignment of the questionnaire version answered by this response. */
  async markAnswered(data: { patientId: string; questionnaire: { url: string; version: string }; responseId: string }, metadata: CommandMetadata): Promise<void> {
    await this.run(data.patientId, { type: 'MarkAssignmentAnswered', data, metadata: { ...metadata, commandId: `${metadata.commandId}:answered` } });
  }

  /** Lets the patient's passed deadlines happen at `metadata.now`; how many events that recorded. */
  async checkDeadlines(patientId: string, metadata: CommandMetadata): Promise<number> {
    return (await this.run(patientId, { type: 'CheckAssignmentDeadlines', data: { patientId }, metadata })).events.length;
  }

  private run(patientId: string, command: AssignmentCommand) {
    return handleCommandInTransaction(this.transactions, this.store, assignmentStreamId(patientId), assignmentDecider, command, async (tx, result) => {
      await this.deadlines.set(tx, patientId, nextDeadline(result.state));
      return result;
    });
  }
}
