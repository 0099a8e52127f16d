import type { AuditEvent, AuditEventAgent, AuditEventEntity, Coding, Provenance } from '@medplum/fhirtypes';
import { decisionInputs, type EventData, type TimelineEvent } from '../../domain/audit/timeline-event';

/** Identifier system of organisation numbers (Enhetsregisteret). */
const ORGANISATION_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.101';
/** The identity provider's subject ids (never a national identity number). */
const SUBJECT_SYSTEM = 'https://varde.no/fhir/sid/subject';
/** HPR (Helsepersonellregisteret) numbers, the identifier the Norwegian AuditEvent profile gives a health professional. */
const HPR_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.4';
/** Varde's integration event types (`varde.triage.v1.PatientTriaged`), as AuditEvent.subtype. */
const EVENT_TYPE_SYSTEM = 'https://varde.no/fhir/CodeSystem/integration-event-type';
/** Triage rule sets, as `<id>|<version>`. */
const RULE_SET_SYSTEM = 'https://varde.no/fhir/rule-set';
/** Versions of Varde's triage engine. */
const ENGINE_SYSTEM = 'https://varde.no/fhir/triage-engine';
/** Event ids, as URNs. */
const URN = 'urn:ietf:rfc:3986';

const LIFECYCLE = 'http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle';
const lifecycle = (code: string, display: string): Coding => ({ system: LIFECYCLE, code, display });
const AUDIT_ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const nameOf = (type: string): string => type.slice(type.lastIndexOf('.') + 1);

/** What kind of act each integration event is (ISO 21089 record lifecycle, AuditEvent.action). */
function actOf(type: string): Readonly<{ type: Coding; action: AuditEvent['action'] }> {
  const name = nameOf(type);
  if (name === 'PatientTriaged') return { type: lifecycle('originate', 'Originate/Retain Record Lifecycle Event'), action: 'E' };
  if (/Corrected|Changed|Paused|Resumed|Acknowledged|Assigned|Escalated|Resolved|Expired|Discharged|Removed/.test(name)) return { type: lifecycle('amend', 'Amend (Update) Record Lifecycle Event'), action: 'U' };
  if (name === 'MeasurementEnteredInError') return { type: lifecycle('deprecate', 'Deprecate Record Lifecycle Event'), action: 'U' };
  return { type: lifecycle('originate', 'Originate/Retain Record Lifecycle Event'), action: 'C' };
}

/** HL7 v3 PurposeOfUse (v3-ActReason), which the Norwegian AuditEvent profile (no-basis-Auditevent) binds purposeOfEvent to. */
const PURPOSE_OF_USE = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';

/**
 * The purpose of use of a read, coded: under an emergency access ETREAT, else by the reader's role (a clinician or
 * another party's system: treatment; the patient; a guardian: family requested; an auditor: health compliance).
 */
function purposeOfUse(role: string, emergency: boolean): Coding | undefined {
  if (emergency) return { system: PURPOSE_OF_USE, code: 'ETREAT', display: 'Emergency Treatment' };
  switch (role) {
    case 'clinician':
    case 'system':
      return { system: PURPOSE_OF_USE, code: 'TREAT', display: 'treatment' };
    case 'patient':
      return { system: PURPOSE_OF_USE, code: 'PATRQT', display: 'patient requested' };
    case 'guardian':
      return { system: PURPOSE_OF_USE, code: 'FAMRQT', display: 'family requested' };
    case 'auditor':
      return { system: PURPOSE_OF_USE, code: 'HCOMPL', display: 'health compliance' };
    default:
      return undefined;
  }
}

/** The person or system who caused an event or read the data, as the requesting agent named by `who`. */
function requestingAgent(actor: Readonly<{ role: string; subject: string; onBehalfOf?: string }>, who: AuditEventAgent['who'], altId?: string): AuditEventAgent {
  return {
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: actor.role === 'system' ? 'AUT' : 'IRCP', display: actor.role === 'system' ? 'author (originator)' : 'information recipient' }] },
    role: [{ coding: [{ system: 'https://varde.no/fhir/CodeSystem/role', code: actor.role }] }],
    who,
    ...(altId ? { altId } : {}),
    requestor: true,
    ...(actor.onBehalfOf ? { name: `on behalf of ${actor.onBehalfOf}` } : {}),
  };
}

/** The agents of an event: the person or system who caused it (requestor), and the organisation they acted for. */
function agentsOf(actor: TimelineEvent['actor']): AuditEventAgent[] {
  if (actor === null) return [{ requestor: true, who: { display: 'unknown (published before events carried their actor)' } }];
  // A health professional by their HPR number, as the Norwegian AuditEvent profile names the reader; else the token's subject.
  const agents = [actor.hprNumber ? requestingAgent(actor, { identifier: { system: HPR_SYSTEM, value: actor.hprNumber } }, actor.subject) : requestingAgent(actor, { identifier: { system: SUBJECT_SYSTEM, value: actor.subject } })];
  if (actor.organisation) agents.push({ type: { text: 'organisation the agent acted for' }, who: { identifier: { system: ORGANISATION_SYSTEM, value: actor.organisation } }, requestor: false });
  return agents;
}

/** HL7 Norway's profile of the national trust framework (*Tillitsrammeverk*) on R4 AuditEvent (IG 0.9.8). */
export const NORWEGIAN_TRUST_FRAMEWORK_PROFILE = 'http://hl7.no/fhir/StructureDefinition/no-domain-Trustframework-Auditevent';
/** The profile's extension naming the patient (R5's AuditEvent.patient, brought to R4). */
const PATIENT_EXTENSION = 'http://hl7.no/fhir/StructureDefinition/auditevent-patient-extension';

/**
 * A read by a health professional in the shape of the Norwegian trust-framework profile: the reader as a contained
 * PractitionerRole (the practitioner by HPR number, the legal entity they read for by organisation number) that
 * `agent.who` references, and the patient in the profile's patient extension. Only HPR holders: the profile's
 * agent is a health professional, so a patient's, guardian's or system's read claims no profile.
 */
function trustFrameworkRead(reader: Readonly<{ subject: string; role: string; organisation: string; onBehalfOf: string; hprNumber: string }>, patientId: string): Pick<AuditEvent, 'meta' | 'contained' | 'extension' | 'agent'> {
  const legalEntity = reader.organisation ? [{ resourceType: 'Organization' as const, id: 'legal-entity', identifier: [{ system: ORGANISATION_SYSTEM, value: reader.organisation, assigner: { display: 'https://www.brreg.no' } }] }] : [];
  return {
    meta: { profile: [NORWEGIAN_TRUST_FRAMEWORK_PROFILE] },
    contained: [
      { resourceType: 'Practitioner', id: 'practitioner', identifier: [{ system: HPR_SYSTEM, value: reader.hprNumber, assigner: { display: 'https://www.helsedirektoratet.no/' } }] },
      ...legalEntity,
      { resourceType: 'PractitionerRole', id: 'practitioner-role', active: true, practitioner: { reference: '#practitioner' }, ...(legalEntity.length > 0 ? { organization: { reference: '#legal-entity' } } : {}) },
    ],
    extension: [{ url: PATIENT_EXTENSION, valueReference: { reference: `Patient/${patientId}` } }],
    agent: [requestingAgent(reader, { reference: '#practitioner-role' }, reader.subject)],
  };
}

/**
 * A read's purpose: coded PurposeOfUse, and in words what it was read for and why it was allowed (the access policy's
 * reason, an auditor's stated reason, an emergency access's reason) — the Norwegian profile's purpose-of-use and, in
 * words, its decision reference.
 */
function purposeOfEventOf(role: string, purpose: string, reason: string, emergencyAccessId: string): Pick<AuditEvent, 'purposeOfEvent'> {
  const coding = purposeOfUse(role, emergencyAccessId !== '');
  // An auditor's purpose already names their reason (`audit: <reason>`).
  const words = [purpose, purpose.includes(reason) ? '' : reason, emergencyAccessId && `emergency access ${emergencyAccessId}`].filter((w) => w !== '').join('; ');
  if (!coding && !words) return {};
  return { purposeOfEvent: [{ ...(coding ? { coding: [coding] } : {}), ...(words ? { text: words } : {}) }] };
}

const patientEntity = (patientId: string): AuditEventEntity => ({
  what: { reference: `Patient/${patientId}` },
  type: { system: AUDIT_ENTITY_TYPE, code: '1', display: 'Person' },
  role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
});

const eventIdentifier = (eventId: string) => ({ system: URN, value: `urn:uuid:${eventId}` });

/**
 * One timeline event as a FHIR R4 AuditEvent. A read of the patient's data (an access-log entry) follows the IHE
 * Basic Audit Log Patterns (BALP) "patient read": type `rest`, subtype `read`, action R, the reader as the
 * requesting agent with their role and organisation, the purpose of use, the patient and the data read as
 * entities. Anything else is a record lifecycle event (ISO 21089: originate, amend, deprecate) with the
 * integration event type as subtype, `period` the effective time, `recorded` the recorded time and
 * `outcomeDesc` what happened in words; a triage decision names its inputs as entities.
 */
export function auditEventOf(event: TimelineEvent, observer: string): AuditEvent {
  const source: AuditEvent['source'] = { observer: { display: observer }, type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }] };
  if (nameOf(event.type) === 'AccessLogged') {
    const d = event.data;
    const actor = (d.actor ?? {}) as EventData;
    const reader = { subject: text(actor.subject), role: text(actor.role), organisation: text(actor.organisation), onBehalfOf: text(actor.onBehalfOf), hprNumber: text(actor.hprNumber) };
    return {
      resourceType: 'AuditEvent',
      id: event.eventId,
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'Restful Operation' },
      subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read', display: 'read' }],
      action: 'R',
      period: { start: text(d.accessedAt) || event.effectiveTime, end: text(d.accessedAt) || event.effectiveTime },
      recorded: event.recordedTime,
      outcome: '0',
      ...purposeOfEventOf(reader.role, text(d.purpose), text(d.reason), text(d.emergencyAccessId)),
      ...(reader.hprNumber
        ? trustFrameworkRead(reader, event.patientId)
        : { agent: agentsOf({ subject: reader.subject, role: reader.role, ...(reader.organisation ? { organisation: reader.organisation } : {}), ...(reader.onBehalfOf ? { onBehalfOf: reader.onBehalfOf } : {}) }) }),
      source,
      entity: [
        patientEntity(event.patientId),
        { what: { identifier: eventIdentifier(text(d.entryId)), display: text(d.resource) }, type: { system: AUDIT_ENTITY_TYPE, code: '2', display: 'System Object' }, role: { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' }, description: text(d.resource) },
      ],
    };
  }
  const act = actOf(event.type);
  const inputs = decisionInputs(event);
  return {
    resourceType: 'AuditEvent',
    id: event.eventId,
    type: act.type,
    subtype: [{ system: EVENT_TYPE_SYSTEM, code: event.type }],
    action: act.action,
    period: { start: event.effectiveTime, end: event.effectiveTime },
    recorded: event.recordedTime,
    outcome: '0',
    outcomeDesc: event.summary,
    agent: agentsOf(event.actor),
    source,
    entity: [
      patientEntity(event.patientId),
      { what: { identifier: eventIdentifier(event.eventId) }, type: { system: AUDIT_ENTITY_TYPE, code: '2', display: 'System Object' }, description: event.summary },
      ...inputs.map((id): AuditEventEntity => ({ what: { identifier: eventIdentifier(id) }, type: { system: AUDIT_ENTITY_TYPE, code: '2', display: 'System Object' }, description: 'input of the decision' })),
    ],
  };
}

/** The FHIR reference a triage decision goes by: `RiskAssessment/<assessment id>` (the R4 resource a triage result is). */
export const decisionReference = (assessmentId: string): string => `RiskAssessment/${assessmentId}`;

/**
 * A triage decision (PatientTriaged) as a FHIR R4 Provenance: the decision as its target, `occurredDateTime` the
 * point in effective time it holds from, `recorded` when it was made, the rule set (id, version and content
 * hash) as `policy` and as an entity, the triage engine and its version as the agent, and every input event as a
 * `source` entity — what an auditor needs to re-run it.
 */
export function provenanceOf(event: TimelineEvent): Provenance {
  const d = event.data;
  const provenance = (d.provenance ?? {}) as EventData;
  const ruleSet = `${text(provenance.ruleSetId)}|${String(provenance.ruleSetVersion ?? '')}`;
  const engine = text(provenance.engineVersion);
  return {
    resourceType: 'Provenance',
    id: text(d.assessmentId),
    target: [{ reference: decisionReference(text(d.assessmentId)) }],
    occurredDateTime: event.effectiveTime,
    recorded: text(d.assessedAt) || event.recordedTime,
    policy: [`${RULE_SET_SYSTEM}/${text(provenance.ruleSetId)}/${String(provenance.ruleSetVersion ?? '')}#${text(provenance.ruleSetHash)}`],
    activity: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'CREATE', display: 'create' }], text: event.summary },
    agent: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'assembler', display: 'Assembler' }] },
        who: { identifier: { system: ENGINE_SYSTEM, value: engine }, display: `Varde triage engine ${engine}` },
      },
    ],
    entity: [
      { role: 'source', what: { identifier: { system: RULE_SET_SYSTEM, value: ruleSet }, display: `rule set ${ruleSet} (${text(provenance.ruleSetHash)})` } },
      ...decisionInputs(event).map((id) => ({ role: 'source' as const, what: { identifier: eventIdentifier(id), display: 'input event' } })),
    ],
  };
}
