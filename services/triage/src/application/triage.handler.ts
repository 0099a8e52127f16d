import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { EventStore, handleCommand, StreamStateCache, Transactions, type StoredEvent } from '@varde/event-sourcing';
import { nextCheckAt, triageDecider, type RegisterPatient, type TriageCommand, type Withdrawal } from '../domain/triage.decide';
import type { EnrolmentChange, MissedTask } from '../domain/enrolment-course';
import { triageStreamId, type TriageEvent, type TriageState } from '../domain/triage.events';
import type { TriageOutcome } from './triage-outcome';

export type { TriageOutcome } from './triage-outcome';
import type { OverrideParameter, TriageInput } from '../domain/triage-rules';
import { ActiveEnrolments } from './active-enrolments.port';
import { positioned } from './positioned-event';
import { RuleSetRegistry, type PublishedRuleSet } from './rule-set.registry';
import { TriageOutcomeRecorder } from './triage-outcome.recorder';

// Folded states of the patients handled most recently: an assessment then folds only what the stream gained.
const STATE_CACHE_PATIENTS = 20_000;

/**
 * Commands on a patient's triage stream: load → decide → append, writing nothing twice for one command id. A
 * consumer appends within its own transaction and records the outcome there; the commands that come from no
 * message (a clinician's override, the missing-report check) append and record in one transaction here.
 */
@Injectable()
export class TriageHandler {
  private readonly states = new StreamStateCache<TriageState>(STATE_CACHE_PATIENTS);

  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(ActiveEnrolments) private readonly enrolments: ActiveEnrolments,
    @Inject(RuleSetRegistry) private readonly ruleSets: RuleSetRegistry,
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(TriageOutcomeRecorder) private readonly recorder: TriageOutcomeRecorder,
  ) {}

  /**
   * Puts an enrolled patient on the worklist. `within`: the store to decide and append with instead of the
   * service's — a consumer's, appending in its transaction so the events commit with the outcome's projections.
   */
  register(data: RegisterPatient['data'], ruleSet: PublishedRuleSet, metadata: CommandMetadata, within?: EventStore): Promise<TriageOutcome> {
    return this.run({ type: 'RegisterPatient', data, metadata }, ruleSet, within);
  }

  /** Assesses new, corrected or withdrawn inputs with the rule set of the patient's enrolment; `within` as for register. */
  async assess(patientId: string, change: { inputs?: readonly TriageInput[]; withdrawals?: readonly Withdrawal[]; checkAt?: string }, metadata: CommandMetadata, within?: EventStore): Promise<TriageOutcome> {
    const { pathwayId, ruleSet } = await this.ruleSetOf(patientId, within);
    return this.run({ type: 'AssessPatient', data: { patientId, pathwayId, ruleSet: ruleSet.ruleSet, inputs: change.inputs ?? [], withdrawals: change.withdrawals, checkAt: change.checkAt }, metadata }, ruleSet, within);
  }

  /**
   * Records what the patient's enrolment did and re-assesses them at that moment: with the new pathway's rule set
   * after a change of pathway (so later readings are assessed with it too), else with the one they are on.
   */
  async recordEnrolmentChange(patientId: string, change: EnrolmentChange, metadata: CommandMetadata, within?: EventStore): Promise<TriageOutcome> {
    const { pathwayId, ruleSet } =
      change.kind === 'pathway-changed' ? { pathwayId: change.pathwayId, ruleSet: await this.ruleSets.resolve(change.ruleSetId, change.ruleSetVersion) } : await this.ruleSetOf(patientId, within);
    return this.run({ type: 'RecordEnrolmentChange', data: { patientId, pathwayId, ruleSet: ruleSet.ruleSet, change }, metadata }, ruleSet, within);
  }

  /** Records a missed task of the patient's schedule and re-assesses them from its window's end. */
  async recordMissedTask(patientId: string, task: MissedTask, metadata: CommandMetadata, within?: EventStore): Promise<TriageOutcome> {
    const { pathwayId, ruleSet } = await this.ruleSetOf(patientId, within);
    return this.run({ type: 'RecordMissedTask', data: { patientId, pathwayId, ruleSet: ruleSet.ruleSet, task }, metadata }, ruleSet, within);
  }

  /** Sets the patient's own value of a rule parameter and re-assesses them; recorded with its events. */
  setOverride(patientId: string, override: { ruleId: string; parameter: OverrideParameter; value: number; reason: string }, metadata: CommandMetadata): Promise<TriageOutcome> {
    return this.recorded(patientId, metadata, async (within) => {
      const { pathwayId, ruleSet } = await this.ruleSetOf(patientId, within);
      return this.run({ type: 'SetRuleOverride', data: { patientId, pathwayId, ruleSet: ruleSet.ruleSet, ...override }, metadata }, ruleSet, within);
    });
  }

  /** Removes the patient's own value of a rule and re-assesses them; recorded with its events. */
  removeOverride(patientId: string, ruleId: string, reason: string, metadata: CommandMetadata): Promise<TriageOutcome> {
    return this.recorded(patientId, metadata, async (within) => {
      const { pathwayId, ruleSet } = await this.ruleSetOf(patientId, within);
      return this.run({ type: 'RemoveRuleOverride', data: { patientId, pathwayId, ruleSet: ruleSet.ruleSet, ruleId, reason }, metadata }, ruleSet, within);
    });
  }

  /** Assesses the patient as {@link assess} does, outside any consumer: the outcome recorded with its events. */
  assessAndRecord(patientId: string, change: { checkAt: string }, metadata: CommandMetadata): Promise<TriageOutcome> {
    return this.recorded(patientId, metadata, (within) => this.assess(patientId, change, metadata, within));
  }

  /**
   * The pathway a patient is on and the rule set version that triages them now, as triage recorded them from the
   * patient's enrolment. Only when triage has no enrolment with a rule set for the patient — a report that arrived
   * before the enrolment (they travel on different topics), or a registration from before triage kept the rule
   * set — is pathways asked.
   */
  async ruleSetOf(patientId: string, within?: EventStore): Promise<{ pathwayId: string; ruleSet: PublishedRuleSet }> {
    const state = await this.currentState(patientId, within ?? this.store);
    const { pathwayId, ruleSetId, ruleSetVersion } =
      state.ruleSet && state.pathwayId ? { pathwayId: state.pathwayId, ruleSetId: state.ruleSet.id, ruleSetVersion: state.ruleSet.version } : await this.enrolments.get(patientId);
    return { pathwayId, ruleSet: await this.ruleSets.resolve(ruleSetId, ruleSetVersion) };
  }

  // Folded as the command that follows will fold it (same store, same remembered states): its read then costs nothing more.
  private async currentState(patientId: string, store: EventStore): Promise<TriageState> {
    const stream = triageStreamId(patientId);
    const { events } = await store.readStream<StoredEvent<TriageEvent>>(stream);
    return this.states.fold(stream, events, triageDecider.initialState, triageDecider.evolve);
  }

  /** The patient's triage as it stands (overrides, history, timeline). */
  async stateOf(patientId: string): Promise<TriageState> {
    return (await this.history(patientId)).reduce((state, event) => triageDecider.evolve(state, event), triageDecider.initialState());
  }

  /** Every event of the patient's triage stream, oldest first. */
  async history(patientId: string): Promise<readonly StoredEvent<TriageEvent>[]> {
    const { events } = await this.store.readStream<StoredEvent<TriageEvent>>(triageStreamId(patientId));
    return events;
  }

  /** Forgets the patient's remembered state: events decided for them were rolled back with their transaction. */
  forget(patientId: string): void {
    this.states.forget(triageStreamId(patientId));
  }

  // One transaction for the events and everything that follows them (worklist, history, next check, alert; ADR 0011):
  // a failure leaves neither. The remembered state may hold what was rolled back, so it is forgotten then.
  private async recorded(patientId: string, metadata: CommandMetadata, decide: (within: EventStore) => Promise<TriageOutcome>): Promise<TriageOutcome> {
    try {
      return await this.transactions.run(async (tx) => {
        const outcome = await decide(this.store.within(tx));
        await this.recorder.record(tx, outcome, metadata);
        return outcome;
      });
    } catch (error) {
      this.forget(patientId);
      throw error;
    }
  }

  private async run(command: TriageCommand, ruleSet: PublishedRuleSet, within?: EventStore): Promise<TriageOutcome> {
    const result = await handleCommand(within ?? this.store, triageStreamId(command.data.patientId), triageDecider, command, { stateCache: this.states as StreamStateCache<unknown> });
    return { patientId: command.data.patientId, events: positioned(result), state: result.state, nextCheckAt: nextCheckAt(result.state, ruleSet.ruleSet) };
  }
}
