/** A threshold rule in a pathway's triage rule set. */
export type ThresholdRule = Readonly<{
  id: string;
  code: Readonly<{ system: string; code: string; display: string }>;
  operator: 'lt' | 'le' | 'gt' | 'ge';
  threshold: number;
  unit: string;
  colour: 'green' | 'yellow' | 'red';
  reasonTemplate: string;
}>;

/** A versioned, immutable triage rule set. */
export type RuleSet = Readonly<{ id: string; version: number; rules: readonly ThresholdRule[] }>;

/** A published pathway version. */
export type PathwayVersion = Readonly<{
  id: string;
  version: number;
  title: string;
  questionnaires: readonly string[];
  ruleSet: RuleSet;
}>;

const LOINC = 'http://loinc.org';
/** Code system of Varde's questionnaire scores. */
export const SCORE_SYSTEM = 'https://varde.no/fhir/CodeSystem/score';

/**
 * The COPD home follow-up pathway (skeleton). Thresholds: SpO2 < 90 % is the usual trigger for urgent
 * review in home oxygen monitoring (BTS guideline for oxygen use in adults, 2017); a CAT score of 21 or more
 * is the "high impact" band (GOLD 2024 / CAT user guide).
 */
export const COPD_PATHWAY: PathwayVersion = {
  id: 'copd',
  version: 1,
  title: 'KOLS — digital hjemmeoppfølging',
  questionnaires: ['https://varde.no/fhir/Questionnaire/cat|1'],
  ruleSet: {
    id: 'copd-default',
    version: 1,
    rules: [
      {
        id: 'spo2-low',
        code: { system: LOINC, code: '2708-6', display: 'Oxygen saturation in Arterial blood' },
        operator: 'lt',
        threshold: 90,
        unit: '%',
        colour: 'red',
        reasonTemplate: 'SpO2 {value} {unit} is below {threshold} {unit}',
      },
      {
        id: 'cat-high',
        code: { system: SCORE_SYSTEM, code: 'CAT', display: 'COPD Assessment Test total score' },
        operator: 'ge',
        threshold: 21,
        unit: '{score}',
        colour: 'yellow',
        reasonTemplate: 'CAT score {value} is {threshold} or more ({band} impact)',
      },
    ],
  },
};

/** Published pathways by id (latest version). */
export const PATHWAYS: Readonly<Record<string, PathwayVersion>> = { copd: COPD_PATHWAY };
