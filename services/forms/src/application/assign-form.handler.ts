import { Inject, Injectable } from '@nestjs/common';
import { ConcurrencyError, type CommandMetadata } from '@varde/core';
import { deterministicId, EventStore, handleCommand, Transactions } from '@varde/event-sourcing';
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

  // Two writers of one patient's assignments (the enrolment's automatic assignment and a clinician's, say) can meet
  // in the append. A conflict met inside a database transaction cannot be retried in it (PostgreSQL may have
  // aborted it), so the whole transaction runs again, the command decided on what the other writer stored.
  private async run(patientId: string, command: AssignmentCommand) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.transactions.run(async (tx) => {
          const result = await handleCommand(this.store.within(tx), assignmentStreamId(patientId), assignmentDecider, command, { maxConcurrencyRetries: 0 });
          await this.deadlines.set(tx, patientId, nextDeadline(result.state));
          return result;
        });
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !isWriteConflict(error)) throw error;
      }
    }
  }
}

const MAX_ATTEMPTS = 4;

/** A concurrent writer got to the stream first: our decision was made on an older version (or our insert lost the race). */
const isWriteConflict = (error: unknown): boolean => error instanceof ConcurrencyError || (error as { code?: unknown } | null)?.code === '23505';
