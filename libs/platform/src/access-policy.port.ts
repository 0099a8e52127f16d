import { accessRefusal, assertScope, decideAccess, ROLES_ASKING_THE_POLICY, type AccessAction, type AccessDecision, type AccessQuestion, type DataCategory, type Principal } from '@varde/auth';

/** A question about one patient's data, with the patient's care team when the asking service knows it. */
export type PatientAccessQuestion = AccessQuestion & Readonly<{ patient: NonNullable<AccessQuestion['patient']>; /** The caller looked the enrolment up (no care team then means none). */ careTeamKnown?: boolean }>;

/** A patient a list would show, with the care team the asking service knows for them (none: on no team). */
export type ListedPatient = Readonly<{ id: string; careTeamId?: string | undefined }>;

/** One question about many patients (a worklist, an alert list): the same category and action for each. */
export type BatchAccessQuestion = Readonly<{
  category: DataCategory;
  action: AccessAction;
  patients: readonly ListedPatient[];
  /** Also decide for every patient the actor holds an open emergency access to, so a list can show them. */
  includeOpenEmergencyAccesses?: boolean;
}>;

/** What a list query adds to (`include`: patients the caller holds an emergency access to) or takes out of (`exclude`: denied) its own narrowing. */
export type ListScope = Readonly<{ include: readonly string[]; exclude: readonly string[] }>;

/** A list read as the policy lets the caller see it: the permitted rows, and the permit of every patient in them. */
export type PermittedList<T> = Readonly<{ rows: readonly T[]; permits: ReadonlyMap<string, AccessDecision> }>;

/**
 * Port: the one policy decision point (sharing's `CheckAccess`): the policy table with the patient's consents,
 * blocks, emergency accesses and guardians' age rules.
 */
export abstract class AccessPolicy {
  /** The decision for `principal` (scope not checked here). */
  abstract decide(principal: Principal, question: PatientAccessQuestion): Promise<AccessDecision>;

  /**
   * The decisions for many patients at once, by patient id (care teams as the question gives them); with
   * `includeOpenEmergencyAccesses`, also for the patients the actor holds an open emergency access to.
   */
  abstract decideMany(principal: Principal, question: BatchAccessQuestion): Promise<ReadonlyMap<string, AccessDecision>>;

  /** Throws (insufficient scope, or 403 with the policy's reason) unless permitted; resolves to the permit. */
  async authorise(principal: Principal, question: PatientAccessQuestion): Promise<AccessDecision> {
    assertScope(principal, question);
    return permitOrRefusal(principal, question, await this.decide(principal, question));
  }

  /**
   * The decision for a service that knows the patient's care team itself (`patient.careTeamId`; none: the patient is
   * on no team): clinicians and guardians (`ROLES_ASKING_THE_POLICY`) are decided here (blocks, emergency access,
   * guardians' age rules), every other role by the policy table alone. Scope not checked.
   */
  async decideWithTeam(principal: Principal, question: PatientAccessQuestion): Promise<AccessDecision> {
    return ROLES_ASKING_THE_POLICY.includes(principal.role) ? this.decide(principal, { ...question, careTeamKnown: true }) : decideAccess(principal, question);
  }

  /**
   * The permit to show this patient in a list, a search or an aggregate, or undefined: the table must permit it (a
   * clinician: on the care team) and {@link decideWithTeam} too (no block). An emergency access opens the patient's
   * own views, not their rows elsewhere; and a patient on another team costs no call (so timing tells nothing).
   */
  async permitForListing(principal: Principal, question: PatientAccessQuestion): Promise<AccessDecision | undefined> {
    return (await this.permitsForListing(principal, { ...question, patients: [question.patient] })).get(question.patient.id);
  }

  /** {@link permitForListing} for many patients at once (one batch question): the permits by patient id. */
  async permitsForListing(principal: Principal, question: BatchAccessQuestion): Promise<ReadonlyMap<string, AccessDecision>> {
    const onTheTable = question.patients.filter((patient) => decideAccess(principal, { category: question.category, action: question.action, patient }).decision === 'permit');
    const decisions = await this.decideManyWithTeams(principal, { category: question.category, action: question.action, patients: onTheTable });
    return new Map([...decisions].filter(([, decision]) => decision.decision === 'permit'));
  }

  /**
   * {@link decideWithTeam} for many patients: clinicians and guardians by the policy decision point (one batch), every
   * other role by the table alone (an emergency access is a clinician's, so the table adds no patients).
   */
  async decideManyWithTeams(principal: Principal, question: BatchAccessQuestion): Promise<ReadonlyMap<string, AccessDecision>> {
    if (ROLES_ASKING_THE_POLICY.includes(principal.role)) return this.decideMany(principal, question);
    return new Map(question.patients.map((patient) => [patient.id, decideAccess(principal, { category: question.category, action: question.action, patient })]));
  }

  /**
   * A list read narrowed by the policy, not by the care-team table alone. `fetch` runs the service's own query (a
   * clinician's care teams, filters, paging) plus the {@link ListScope}: the patients the caller holds an open emergency
   * access to are added (when `includeOpenEmergencyAccesses`), and every patient the policy denies (a block) is taken
   * out and the query run again, so a page is still full and paging stays in order. Resolves to the rows and each
   * listed patient's permit, whose reason goes into the access log.
   */
  async listPermitted<T>(
    principal: Principal,
    question: Omit<BatchAccessQuestion, 'patients'>,
    fetch: (scope: ListScope) => Promise<readonly T[]>,
    patientOf: (row: T) => ListedPatient,
  ): Promise<PermittedList<T>> {
    const { category, action } = question;
    const include =
      question.includeOpenEmergencyAccesses === true && ROLES_ASKING_THE_POLICY.includes(principal.role)
        ? [...(await this.decideMany(principal, { category, action, patients: [], includeOpenEmergencyAccesses: true }))].filter(([, d]) => d.decision === 'permit').map(([id]) => id)
        : [];
    const exclude = new Set<string>();
    for (;;) {
      const rows = await fetch({ include, exclude: [...exclude] });
      const patients = [...new Map(rows.map((row) => { const patient = patientOf(row); return [patient.id, patient] as const; })).values()];
      const decisions = await this.decideManyWithTeams(principal, { category, action, patients });
      const denied = patients.filter((p) => decisions.get(p.id)?.decision !== 'permit').map((p) => p.id);
      const fresh = denied.filter((id) => !exclude.has(id));
      if (denied.length === 0 || fresh.length === 0) {
        // `fresh` empty with denials left: the query did not honour the exclusions; never show a denied row anyway.
        const permitted = rows.filter((row) => !denied.includes(patientOf(row).id));
        return { rows: permitted, permits: new Map([...decisions].filter(([, d]) => d.decision === 'permit')) };
      }
      for (const id of fresh) exclude.add(id);
    }
  }

  /** {@link decideWithTeam}, throwing like {@link authorise} unless permitted; resolves to the permit. */
  async authoriseWithTeam(principal: Principal, question: PatientAccessQuestion): Promise<AccessDecision> {
    assertScope(principal, question);
    return permitOrRefusal(principal, question, await this.decideWithTeam(principal, question));
  }
}

function permitOrRefusal(principal: Principal, question: PatientAccessQuestion, decision: AccessDecision): AccessDecision {
  if (decision.decision === 'permit') return decision;
  throw accessRefusal(principal, question, decision);
}
