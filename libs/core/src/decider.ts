/** A domain event as a decider produces it: metadata is added by the command handler. */
export type DomainEvent<Type extends string = string, Data = unknown> = Readonly<{
  type: Type;
  data: Readonly<Data>;
}>;

/** Everything a command carries besides its data: who, when, and how it relates to other messages. */
export type CommandMetadata = Readonly<{
  /** Unique id of this command; event ids are derived from it so a retried command never writes twice. */
  commandId: string;
  correlationId: string;
  causationId?: string;
  actor: Actor;
  /** The clock, passed in: deciders never read the time themselves. */
  now: string;
  /** When the fact happened in the world, if different from `now` (a measurement taken yesterday). */
  effectiveTime?: string;
  traceparent?: string;
  tracestate?: string;
  /** An auditor's stated reason for the request (the Audit-Reason header): the access log keeps it with each read. */
  auditReason?: string;
}>;

/** A command addressed to a decider. */
export type DomainCommand<Type extends string = string, Data = unknown> = Readonly<{
  type: Type;
  data: Readonly<Data>;
  metadata: CommandMetadata;
}>;

/** The whole contract of a piece of domain logic: pure, replayable. */
export type Decider<Command extends DomainCommand, State, Event extends DomainEvent> = {
  decide: (command: Command, state: State) => Event | readonly Event[];
  evolve: (state: State, event: Event) => State;
  initialState: () => State;
};

/** Roles the platform knows (see docs/adr/0004-auth.md). */
export const ROLES = ['patient', 'guardian', 'clinician', 'pathway-designer', 'system', 'auditor'] as const;
/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** Who did something: the token's subject, role and organisation, and a health professional's HPR number. */
export type Actor = Readonly<{
  subject: string;
  role: Role;
  organisation?: string;
  onBehalfOf?: string;
  /** HPR number (Helsepersonellregisteret) of a health professional, from HelseID's `hpr_number` claim. */
  hprNumber?: string;
}>;

/** Metadata stored with every event (architecture: event sourcing). */
export type EventMetadata = Readonly<{
  messageId: string;
  correlationId: string;
  causationId: string;
  actor: Actor;
  effectiveTime: string;
  recordedTime: string;
  schemaVersion: number;
  traceparent?: string;
  tracestate?: string;
}>;
