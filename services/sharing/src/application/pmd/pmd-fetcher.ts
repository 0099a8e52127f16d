import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError, UnavailableError } from '@varde/core';
import { IntervalJob, LOGGER, type Logger } from '@varde/platform';
import { MetricsRegistry } from '@varde/telemetry';
import { importedObservation, pmdSearchResults } from '../../domain/pmd/pmd-import';
import { MeasurementsIntake, PatientIdentities, PmdGateway, PmdInLedger, PmdInPatients } from './pmd.ports';
import { PMD_SETTINGS, type PmdSettings } from './pmd-settings';

/** What one fetch for a patient found and did. */
export type FetchResult = Readonly<{ found: number; recorded: number; keptOut: number }>;

/**
 * PMD in: fetches what municipalities put in Pasientens måledata for an enrolled patient (`POST
 * /Observation/_search` with `patient.identifier`) and records each new Observation in measurements, with the
 * organisation that took it as provenance, so it is triaged like any other. What this hospital sent is skipped;
 * what measurements refuses (an unknown unit, a patient no longer enrolled) is kept out, logged and counted. Each
 * PMD Observation is handled once. Every PMD_FETCH_TICK_MS it fetches for the patients whose turn has come.
 */
@Injectable()
export class PmdFetcher extends IntervalJob {
  protected readonly jobName = 'PMD fetch';
  protected readonly intervalMs: number;

  constructor(
    @Inject(PmdInPatients) private readonly patients: PmdInPatients,
    @Inject(PmdInLedger) private readonly ledger: PmdInLedger,
    @Inject(PatientIdentities) private readonly identities: PatientIdentities,
    @Inject(PmdGateway) private readonly gateway: PmdGateway,
    @Inject(MeasurementsIntake) private readonly intake: MeasurementsIntake,
    @Inject(PMD_SETTINGS) private readonly settings: PmdSettings,
    @Inject(MetricsRegistry) private readonly metrics: MetricsRegistry,
    @Inject(LOGGER) protected readonly jobLogger: Logger,
  ) {
    super();
    this.intervalMs = this.settings.fetchTickMs;
  }

  protected runOnce(now: Date): Promise<unknown> {
    return this.fetchDue(now);
  }

  /** Fetches for every enrolled patient due at `now`. */
  async fetchDue(now: Date): Promise<number> {
    let patients = 0;
    for (const patientId of await this.patients.claimDue(now, 100, this.settings.fetchIntervalMs)) {
      try {
        await this.fetchFor(patientId);
        patients++;
      } catch (error) {
        this.jobLogger.warn({ err: error, patientId }, 'PMD in: fetching for a patient failed; tried again at the next round');
      }
    }
    return patients;
  }

  /** Fetches for one patient now (on demand, or from the schedule). */
  async fetchFor(patientId: string): Promise<FetchResult> {
    if (!(await this.patients.isEnrolled(patientId))) throw new NotFoundError(`Patient/${patientId} is not enrolled: PMD is fetched for enrolled patients only`);
    const subject = await this.identities.nationalIdOf(patientId);
    if (!subject) throw new NotFoundError(`pathways keeps no national identity number for Patient/${patientId}; PMD cannot be asked`);
    const answer = await this.gateway.searchObservations(subject);
    if (answer.kind !== 'answered') throw new UnavailableError(`PMD could not be searched: ${answer.reason}`);
    const found = pmdSearchResults(answer.body);
    const seen = await this.ledger.seen(found.map((o) => o.id));
    let recorded = 0;
    let keptOut = 0;
    for (const observation of found.filter((o) => !seen.has(o.id))) {
      const imported = importedObservation(observation, patientId, this.settings.organisationNumber, this.settings.pmdIdentifierSystem);
      if (imported.kind === 'ours') {
        await this.ledger.note(observation.id, patientId, { outcome: 'kept-out', reason: 'sent by this hospital' });
        continue;
      }
      const result = imported.kind === 'kept-out' ? { recorded: false as const, reason: imported.reason } : await this.intake.record(imported.observation);
      if (result.recorded) {
        recorded++;
        await this.ledger.note(observation.id, patientId, { outcome: 'recorded' });
      } else {
        keptOut++;
        await this.ledger.note(observation.id, patientId, { outcome: 'kept-out', reason: result.reason });
        this.jobLogger.warn({ patientId, pmdId: observation.id, reason: result.reason }, 'PMD in: a municipality Observation was kept out');
      }
    }
    this.count('recorded', recorded);
    this.count('kept_out', keptOut);
    return { found: found.length, recorded, keptOut };
  }

  private count(outcome: 'recorded' | 'kept_out', n: number): void {
    if (n > 0) this.metrics.counter('varde_pmd_in_observations_total', 'Observations fetched from Pasientens måledata, by outcome.', ['outcome']).inc({ outcome }, n);
  }
}
