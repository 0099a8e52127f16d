/** Triage colours, worst first. */
export type Colour = 'red' | 'yellow' | 'green';

/** A row of `GET /api/worklist`. */
export type WorklistEntry = Readonly<{
  patientId: string;
  colour: Colour;
  reasons: readonly string[];
  since: string;
  careTeam: string | null;
  pathwayId: string | null;
  openAlert: Readonly<{ id: string; colour: Colour; status: 'open' | 'acknowledged'; ageSeconds: number; assignee?: string }> | null;
  /** Where the enrolment stands: a paused patient is expected to report nothing (discharged ones are not listed). */
  enrolment?: 'active' | 'paused';
}>;

/** An alert as `GET /api/alerts` answers it. */
export type Alert = Readonly<{
  id: string;
  patientId: string;
  colour: Colour;
  status: 'open' | 'acknowledged' | 'resolved';
  reasons: readonly string[];
  raisedAt: string;
  assignee: string | null;
  outcome: string | null;
  history?: ReadonlyArray<Readonly<{ type: string; data: Record<string, unknown>; actor: { subject: string }; recordedAt: string }>>;
}>;
