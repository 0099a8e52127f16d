import { Inject, Injectable } from '@nestjs/common';
import { commonV1, type IntegrationEvent } from '@varde/contracts';
import type { Transaction } from '@varde/event-sourcing';
import { INFRASTRUCTURE, IntegrationConsumer, type ConsumerDefinition, type Infrastructure } from '@varde/platform';
import { nextSelfCarePlan, PLAN_COLOURS, type PlanColour, type PublishedPathway, type SelfCarePlan } from '../../domain/care-plan/self-care-plan';
import { MUNICIPALITY_AND_GP } from '../../domain/pmd/sharing-coverage';
import { Consents } from '../consents.port';
import { SelfCarePlans } from './self-care-plan.ports';

const COLOUR: Partial<Record<commonV1.Colour, PlanColour>> = { [commonV1.Colour.COLOUR_GREEN]: 'green', [commonV1.Colour.COLOUR_YELLOW]: 'yellow', [commonV1.Colour.COLOUR_RED]: 'red' };

/** The plan PathwayPublished carries; undefined unless it has advice for every colour (events from before it was carried have none). */
function planOf(event: IntegrationEvent<'varde.pathways.v1.PathwayPublished'>): SelfCarePlan | undefined {
  const advice = new Map(event.selfCarePlan.map((a) => [COLOUR[a.colour], { nb: a.textNb, en: a.textEn }]));
  return PLAN_COLOURS.every((c) => advice.has(c)) ? (Object.fromEntries(PLAN_COLOURS.map((c) => [c, advice.get(c)!])) as SelfCarePlan) : undefined;
}

/**
 * Keeps each enrolment's self-care plan shared with the municipality and GP as its course and the patient's consents
 * change: learns each pathway version's plan from PathwayPublished and the enrolment's course from PatientEnrolled,
 * PathwayChanged and PatientDischarged, and after each of these and every ConsentChanged queues the version the
 * receiver should now hold (see {@link nextSelfCarePlan}) in the same transaction.
 */
@Injectable()
export class SelfCarePlansConsumer extends IntegrationConsumer {
  constructor(
    @Inject(INFRASTRUCTURE) infra: Infrastructure,
    @Inject(SelfCarePlans) private readonly plans: SelfCarePlans,
    @Inject(Consents) private readonly consents: Consents,
  ) {
    super(infra);
  }

  protected override definition(): ConsumerDefinition {
    return {
      group: 'self-care-plans',
      topics: ['varde.pathways.v1', 'varde.sharing.v1'],
      handlers: {
        // Keyed by pathway, so it may come after the enrolments on it: they wait for it, and are looked at now.
        'varde.pathways.v1.PathwayPublished': async (event, _message, { client }) => {
          const plan = planOf(event);
          const pathway: PublishedPathway = { pathwayId: event.pathwayId, pathwayVersion: event.pathwayVersion, title: event.title || event.pathwayId, ...(plan ? { plan } : {}) };
          await this.plans.published(client, pathway);
          await this.refreshAll(client, await this.plans.enrolmentsOn(client, event.pathwayId, event.pathwayVersion));
        },
        'varde.pathways.v1.PatientEnrolled': async (event, _message, { client }) => {
          const enrolledAt = (event.enrolledAt ?? new Date(0)).toISOString();
          await this.plans.enrolled(client, { enrolmentId: event.enrolmentId, patientId: event.patientId, pathwayId: event.pathwayId, pathwayVersion: event.pathwayVersion, enrolledAt });
          await this.refresh(client, event.enrolmentId);
        },
        'varde.pathways.v1.PathwayChanged': async (event, _message, { client }) => {
          await this.plans.pathwayChanged(client, event.enrolmentId, event.pathwayId, event.pathwayVersion);
          await this.refresh(client, event.enrolmentId);
        },
        'varde.pathways.v1.PatientDischarged': async (event, _message, { client }) => {
          await this.plans.discharged(client, event.enrolmentId, (event.dischargedAt ?? new Date()).toISOString());
          await this.refresh(client, event.enrolmentId);
        },
        'varde.sharing.v1.ConsentChanged': async (event, _message, { client }) => this.refreshAll(client, await this.plans.enrolmentsOfPatient(client, event.patientId)),
      },
    };
  }

  private async refreshAll(tx: Transaction, enrolmentIds: readonly string[]): Promise<void> {
    for (const enrolmentId of enrolmentIds) await this.refresh(tx, enrolmentId);
  }

  private async refresh(tx: Transaction, enrolmentId: string): Promise<void> {
    const record = await this.plans.lock(tx, enrolmentId);
    if (!record) return;
    const pathway = await this.plans.pathway(tx, record.course.pathwayId, record.course.pathwayVersion);
    const coverage = await this.consents.coverage(record.course.patientId, MUNICIPALITY_AND_GP, 'enrolments');
    const change = nextSelfCarePlan(record.course, pathway, coverage.permitted ? { permitted: true } : coverage, record.last);
    switch (change.kind) {
      case 'share':
        return this.plans.queue(tx, enrolmentId, change.content);
      case 'withhold':
        return this.plans.withhold(tx, enrolmentId, change.reason);
      case 'none':
        return;
      default: {
        const _exhaustive: never = change;
        return _exhaustive;
      }
    }
  }
}
