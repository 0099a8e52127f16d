/*
 * NEWS2 (National Early Warning Score 2), scored exactly as the Royal College of Physicians chart:
 * Royal College of Physicians. National Early Warning Score (NEWS) 2: Standardising the assessment of
 * acute-illness severity in the NHS. Updated report of a working party. London: RCP, 2017 — chart 1 (the
 * NEWS2 scoring system) and chart 2 (thresholds and triggers / clinical response).
 * https://www.rcp.ac.uk/improving-care/resources/national-early-warning-score-news-2/
 *
 * The chart's bands are written on whole numbers (temperature on tenths); a value between two printed
 * bands (SpO2 91.5 %) belongs to the band whose upper edge it does not exceed, i.e. bands are read as
 * "up to and including" their upper edge.
 */

/** ACVPU: alert, new confusion, responds to voice, to pain, unresponsive. */
export type Consciousness = 'A' | 'C' | 'V' | 'P' | 'U';

/** Which SpO2 scale applies: 2 is for hypercapnic respiratory failure with a prescribed target of 88–92 %. */
export type SpO2Scale = 1 | 2;

/** One set of observations, as charted. */
export type News2Observations = Readonly<{
  respirationRate: number;
  spo2: number;
  spo2Scale: SpO2Scale;
  /** True when the patient is on supplemental oxygen, false on air. */
  onOxygen: boolean;
  systolicBp: number;
  pulse: number;
  consciousness: Consciousness;
  /** Degrees Celsius. */
  temperature: number;
}>;

/** Clinical risk band of NEWS2 (chart 2). */
export type News2Risk = 'low' | 'low-medium' | 'medium' | 'high';

/** The score of each parameter, the total and the clinical risk band. */
export type News2Result = Readonly<{
  parameters: Readonly<{ respirationRate: number; spo2: number; airOrOxygen: number; systolicBp: number; pulse: number; consciousness: number; temperature: number }>;
  total: number;
  /** True when any single parameter scores 3 (the "red score" of chart 2). */
  singleParameterThree: boolean;
  risk: News2Risk;
  /** The response chart 2 asks for. */
  response: string;
}>;

// [inclusive upper edge, score]; the last band is open-ended.
type Bands = readonly (readonly [number, number])[];
const bandScore = (bands: Bands, last: number, value: number): number => bands.find(([upTo]) => value <= upTo)?.[1] ?? last;

const RESPIRATION: Bands = [[8, 3], [11, 1], [20, 0], [24, 2]];
const SPO2_SCALE_1: Bands = [[91, 3], [93, 2], [95, 1]];
const SPO2_SCALE_2_LOW: Bands = [[83, 3], [85, 2], [87, 1]];
// Scale 2 above 92 % scores only on oxygen: over-oxygenation risks hypercapnia.
const SPO2_SCALE_2_ON_OXYGEN: Bands = [[92, 0], [94, 1], [96, 2]];
const SYSTOLIC: Bands = [[90, 3], [100, 2], [110, 1], [219, 0]];
const PULSE: Bands = [[40, 3], [50, 1], [90, 0], [110, 1], [130, 2]];
const TEMPERATURE: Bands = [[35.0, 3], [36.0, 1], [38.0, 0], [39.0, 1]];

const RESPONSES: Readonly<Record<News2Risk, string>> = {
  low: 'Ward-based response',
  'low-medium': 'Urgent ward-based response',
  medium: 'Key threshold for urgent response',
  high: 'Urgent or emergency response',
};

/** SpO2 score on the given scale (scale 2 depends on air or oxygen above 92 %). */
export function spo2Score(spo2: number, scale: SpO2Scale, onOxygen: boolean): number {
  if (scale === 1) return bandScore(SPO2_SCALE_1, 0, spo2);
  if (spo2 <= 87) return bandScore(SPO2_SCALE_2_LOW, 0, spo2);
  return onOxygen ? bandScore(SPO2_SCALE_2_ON_OXYGEN, 3, spo2) : 0;
}

/** NEWS2 risk band from the total and whether any single parameter scored 3. */
export function news2Risk(total: number, singleParameterThree: boolean): News2Risk {
  if (total >= 7) return 'high';
  if (total >= 5) return 'medium';
  return singleParameterThree ? 'low-medium' : 'low';
}

/** Scores one set of observations with NEWS2. */
export function news2(o: News2Observations): News2Result {
  const parameters = {
    respirationRate: bandScore(RESPIRATION, 3, o.respirationRate),
    spo2: spo2Score(o.spo2, o.spo2Scale, o.onOxygen),
    airOrOxygen: o.onOxygen ? 2 : 0,
    systolicBp: bandScore(SYSTOLIC, 3, o.systolicBp),
    pulse: bandScore(PULSE, 3, o.pulse),
    consciousness: o.consciousness === 'A' ? 0 : 3,
    temperature: bandScore(TEMPERATURE, 2, o.temperature),
  };
  const scores = Object.values(parameters);
  const total = scores.reduce((a, b) => a + b, 0);
  const singleParameterThree = scores.includes(3);
  const risk = news2Risk(total, singleParameterThree);
  return { parameters, total, singleParameterThree, risk, response: RESPONSES[risk] };
}
