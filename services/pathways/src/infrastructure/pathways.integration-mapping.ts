import { actorToProto, commonV1, integrationEventTypes, pathwaysV1Events, type IntegrationEventType } from '@varde/contracts';
import type { RecordedEvent } from '@varde/event-sourcing';
import { integrationMessageFor, type IntegrationMessage } from '@varde/messaging';
import { careTeamOf, type DischargeReason, type EnrolmentEvent } from '../domain/enrolment.events';
import type { ContactRecorded } from '../domain/contact.decide';
import type { PathwayPublished } from '../domain/pathway-definitions.decide';
import { COLOURS, type ActivityKind, type Colour } from '../domain/pathway-definition';
import type { TaskDetails, TaskEvent } from '../domain/task.decide';

const DISCHARGE_REASON: Record<DischargeReason, pathwaysV1Events.DischargeReason> = {
  completed: pathwaysV1Events.DischargeReason.DISCHARGE_REASON_COMPLETED,
  readmitted: pathwaysV1Events.DischargeReason.DISCHARGE_REASON_READMITTED,
  'transferred-to-municipality': pathwaysV1Events.DischargeReason.DISCHARGE_REASON_TRANSFERRED_TO_MUNICIPALITY,
  deceased: pathwaysV1Events.DischargeReason.DISCHARGE_REASON_DECEASED,
  withdrew: pathwaysV1Events.DischargeReason.DISCHARGE_REASON_WITHDREW,
};

const TASK_KIND: Record<ActivityKind, pathwaysV1Events.TaskKind> = {
  measurement: pathwaysV1Events.TaskKind.TASK_KIND_MEASUREMENT,
  questionnaire: pathwaysV1Events.TaskKind.TASK_KIND_QUESTIONNAIRE,
  task: pathwaysV1Events.TaskKind.TASK_KIND_OTHER,
};
const COLOUR: Record<Colour, commonV1.Colour> = { green: commonV1.Colour.COLOUR_GREEN, yellow: commonV1.Colour.COLOUR_YELLOW, red: commonV1.Colour.COLOUR_RED };
const CONTACT_MODE: Record<ContactRecorded['data']['mode'], pathwaysV1Events.ContactMode> = {
  phone: pathwaysV1Events.ContactMode.CONTACT_MODE_PHONE,
  video: pathwaysV1Events.ContactMode.CONTACT_MODE_VIDEO,
  visit: pathwaysV1Events.ContactMode.CONTACT_MODE_VISIT,
};
const taskFields = (t: TaskDetails) => ({
  patientId: t.patientId,
  taskId: t.taskId,
  activity: t.activity,
  kind: TASK_KIND[t.kind],
  loincCode: t.loinc ?? '',
  questionnaire: t.questionnaire ?? '',
  dueAt: new Date(t.dueAt),
  windowEnd: new Date(t.windowEnd),
});

/**
 * Publishes the enrolment's course (enrolled, paused, resumed, pathway and care team changed, discharged), its tasks
 * (due, completed, missed) and contacts, keyed by patient; and each published pathway version, keyed by pathway id.
 */
export function pathwaysIntegrationMapping(event: RecordedEvent): IntegrationMessage | undefined {
  if (event.type === 'PathwayPublished') return pathwayPublished(event as RecordedEvent<PathwayPublished>);
  const e = event as RecordedEvent<EnrolmentEvent | TaskEvent | ContactRecorded>;
  const actor = actorToProto(e.metadata.actor);
  const message = <K extends IntegrationEventType>(type: K, payload: Parameters<(typeof integrationEventTypes)[K]['encode']>[0]): IntegrationMessage =>
    integrationMessageFor('pathways', e, { type, key: e.data.patientId, payload: (integrationEventTypes[type].encode as (m: typeof payload) => Uint8Array)(payload) });
  switch (e.type) {
    case 'PatientEnrolled':
      return message('varde.pathways.v1.PatientEnrolled', {
        ...e.data,
        enrolledAt: new Date(e.data.enrolledAt),
        enrolledBy: actor,
        careTeamId: careTeamOf(e.data),
        admission: e.data.admission ?? 1,
        questionnaires: [...(e.data.questionnaires ?? [])],
      });
    case 'EnrolmentPaused':
      return message('varde.pathways.v1.EnrolmentPaused', {
        patientId: e.data.patientId,
        enrolmentId: e.data.enrolmentId,
        reason: e.data.reason,
        pausedAt: new Date(e.data.pausedAt),
        pausedUntil: e.data.until ? new Date(e.data.until) : undefined,
        pausedBy: actor,
      });
    case 'EnrolmentResumed':
      return message('varde.pathways.v1.EnrolmentResumed', { patientId: e.data.patientId, enrolmentId: e.data.enrolmentId, resumedAt: new Date(e.data.resumedAt), resumedBy: actor });
    case 'PathwayChanged':
      return message('varde.pathways.v1.PathwayChanged', { ...e.data, reason: e.data.reason ?? '', changedAt: new Date(e.data.changedAt), changedBy: actor, questionnaires: [...(e.data.questionnaires ?? [])] });
    case 'CareTeamChanged':
      return message('varde.pathways.v1.CareTeamChanged', { ...e.data, changedAt: new Date(e.data.changedAt), changedBy: actor });
    case 'PatientDischarged':
      return message('varde.pathways.v1.PatientDischarged', { ...e.data, reason: DISCHARGE_REASON[e.data.reason], dischargedAt: new Date(e.data.dischargedAt), dischargedBy: actor });
    case 'TaskDue':
      return message('varde.pathways.v1.TaskDue', { ...taskFields(e.data), enrolmentId: e.data.enrolmentId, pathwayId: e.data.pathwayId, pathwayVersion: e.data.pathwayVersion, title: e.data.title });
    case 'TaskMissed':
      return message('varde.pathways.v1.TaskMissed', taskFields(e.data));
    case 'TaskCompleted':
      return message('varde.pathways.v1.TaskCompleted', { patientId: e.data.patientId, taskId: e.data.taskId, activity: e.data.activity, completedAt: new Date(e.data.completedAt), inputEventId: e.data.inputEventId });
    case 'ContactRecorded':
      return message('varde.pathways.v1.ContactRecorded', {
        ...e.data,
        driver: e.data.driver === 'need' ? pathwaysV1Events.ContactDriver.CONTACT_DRIVER_NEED : pathwaysV1Events.ContactDriver.CONTACT_DRIVER_CALENDAR,
        mode: CONTACT_MODE[e.data.mode],
        startedAt: new Date(e.data.startedAt),
        alertId: e.data.alertId ?? '',
        taskId: e.data.taskId ?? '',
        patientRequest: e.data.patientRequest ?? false,
        recordedBy: actor,
      });
    default:
      return undefined;
  }
}

/** A published pathway version with the Questionnaires its definition brought (for forms' catalogue) and its self-care plan (for sharing). */
function pathwayPublished(e: RecordedEvent<PathwayPublished>): IntegrationMessage {
  const { pathwayId, url, version, contentHash, resources, publishedAt } = e.data;
  const payload = integrationEventTypes['varde.pathways.v1.PathwayPublished'].encode({
    pathwayId,
    url,
    pathwayVersion: version,
    contentHash,
    questionnairesJson: resources.filter((r) => r['resourceType'] === 'Questionnaire').map((q) => JSON.stringify(q)),
    publishedAt: new Date(publishedAt),
    publishedBy: actorToProto(e.metadata.actor),
    title: e.data.definition.title,
    selfCarePlan: COLOURS.flatMap((colour) => {
      const advice = e.data.definition.selfCarePlan?.[colour];
      return advice ? [{ colour: COLOUR[colour], textNb: advice.nb, textEn: advice.en }] : [];
    }),
  });
  return integrationMessageFor('pathways', e, { type: 'varde.pathways.v1.PathwayPublished', key: pathwayId, payload });
}
