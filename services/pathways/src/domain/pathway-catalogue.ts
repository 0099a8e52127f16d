/**
 * The rule set a pathway is triaged with, by id. Rule sets are data owned by triage (authored in YAML or JSON,
 * published in versions); a patient is triaged with the latest published version, recorded in every decision.
 * Version 0 means exactly that: "the latest published".
 */
export type RuleSetRef = Readonly<{ id: string; version: 0 }>;

/** A published pathway version. */
export type PathwayVersion = Readonly<{
  id: string;
  version: number;
  title: string;
  questionnaires: readonly string[];
  ruleSet: RuleSetRef;
  /** The care team a patient is enrolled with when the enrolment names none. */
  defaultCareTeam: string;
}>;

/**
 * The COPD home follow-up pathway: the CAT questionnaire, triaged by the rule set copd-default
 * (services/triage/rule-sets/copd-default.yaml, with the source of every threshold).
 */
export const COPD_PATHWAY: PathwayVersion = {
  id: 'copd',
  version: 1,
  title: 'KOLS — digital hjemmeoppfølging',
  questionnaires: ['https://varde.no/fhir/Questionnaire/cat|1'],
  ruleSet: { id: 'copd-default', version: 0 },
  defaultCareTeam: 'copd-care-team',
};

/** Published pathways by id (latest version). */
export const PATHWAYS: Readonly<Record<string, PathwayVersion>> = { copd: COPD_PATHWAY };
