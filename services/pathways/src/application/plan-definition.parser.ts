import { ValidationError, type FieldIssue } from '@varde/core';
import { CARE_TEAM_ID } from '@varde/auth';
import { COLOURS, DAYS_OF_WEEK, type ActivitySchedule, type DayOfWeek, type PathwayActivity, type PathwayVersion, type SelfCarePlan } from '../domain/pathway-definition';

type Json = Readonly<Record<string, unknown>>;

/** Varde's PlanDefinition and ActivityDefinition extensions (docs/api/pathways.md#writing-a-pathway). */
export const EXTENSIONS = {
  ruleSet: 'https://varde.no/fhir/StructureDefinition/pathway-rule-set',
  defaultCareTeam: 'https://varde.no/fhir/StructureDefinition/pathway-default-care-team',
  expectedDuration: 'https://varde.no/fhir/StructureDefinition/pathway-expected-duration',
  selfCarePlan: 'https://varde.no/fhir/StructureDefinition/pathway-self-care-plan',
  taskWindow: 'https://varde.no/fhir/StructureDefinition/task-window',
  questionnaire: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire',
} as const;

const PLAN_DEFINITION_TYPE = 'http://terminology.hl7.org/CodeSystem/plan-definition-type';
const LOINC = 'http://loinc.org';
/** UCUM duration units a Duration may use, and their ISO 8601 designators. */
const DURATION_UNITS: Readonly<Record<string, { designator: string; time: boolean }>> = { s: { designator: 'S', time: true }, min: { designator: 'M', time: true }, h: { designator: 'H', time: true }, d: { designator: 'D', time: false }, wk: { designator: 'W', time: false } };

/** A PlanDefinition read into what Varde schedules, with the references it makes that must resolve elsewhere. */
export type ParsedPlanDefinition = Readonly<{
  url: string;
  status: 'draft' | 'active' | 'retired';
  /** The version as authored (`PlanDefinition.version`, a whole number), when given. */
  version?: number;
  definition: Omit<PathwayVersion, 'version'>;
}>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const array = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);
const extensionsOf = (resource: Json, url: string): Json[] => array(resource['extension']).filter((e): e is Json => isObject(e) && e['url'] === url);

/** The short pathway id a PlanDefinition url names: its last path segment ("…/PlanDefinition/copd" → "copd"). */
export function pathwayIdOf(url: string): string | undefined {
  const last = url.split('|')[0]!.replace(/\/+$/, '').split('/').at(-1) ?? '';
  return /^[a-z0-9][a-z0-9-]{0,62}$/.test(last) ? last : undefined;
}

/** A FHIR Duration ({value, code: min|h|d|wk}) as ISO 8601 ("PT4H", "P1D", "P2W"), or an issue. */
function isoDuration(duration: unknown, field: string, issues: FieldIssue[]): string | undefined {
  if (!isObject(duration) || typeof duration['value'] !== 'number' || duration['value'] <= 0 || !Number.isFinite(duration['value'])) {
    issues.push({ field, message: 'expected a Duration with a positive value, e.g. {"value": 4, "unit": "h", "system": "http://unitsofmeasure.org", "code": "h"}' });
    return undefined;
  }
  const unit = DURATION_UNITS[String(duration['code'] ?? duration['unit'])];
  if (!unit) {
    issues.push({ field: `${field}.code`, message: `expected a UCUM duration unit: ${Object.keys(DURATION_UNITS).join(', ')}` });
    return undefined;
  }
  return `P${unit.time ? 'T' : ''}${duration['value']}${unit.designator}`;
}

/** The Timing of an ActivityDefinition as a schedule; issues for what can never fire or Varde cannot schedule. */
function scheduleOf(activity: Json, field: string, issues: FieldIssue[]): ActivitySchedule | undefined {
  const timing = activity['timingTiming'];
  const repeat = isObject(timing) ? timing['repeat'] : undefined;
  if (!isObject(repeat)) {
    issues.push({ field: `${field}.timingTiming.repeat`, message: 'required: when the activity falls due, e.g. {"frequency": 1, "period": 1, "periodUnit": "d", "timeOfDay": ["08:00:00"]}' });
    return undefined;
  }
  const at = `${field}.timingTiming.repeat`;
  const before = issues.length;
  const days = array(repeat['dayOfWeek']);
  const badDay = days.find((d) => !DAYS_OF_WEEK.includes(d as DayOfWeek));
  if (badDay !== undefined) issues.push({ field: `${at}.dayOfWeek`, message: `expected days as ${DAYS_OF_WEEK.join(', ')}; got ${JSON.stringify(badDay)}` });
  if (repeat['dayOfWeek'] !== undefined && days.length === 0) issues.push({ field: `${at}.dayOfWeek`, message: 'an empty list of days can never fire' });
  const period = repeat['period'];
  const unit = repeat['periodUnit'];
  if (period !== undefined && (typeof period !== 'number' || !(period > 0))) issues.push({ field: `${at}.period`, message: `a period of ${JSON.stringify(period)} can never fire: expected a number above 0` });
  if (period !== undefined && unit !== 'd' && unit !== 'wk') issues.push({ field: `${at}.periodUnit`, message: `expected "d" or "wk" (Varde schedules daily and weekly activities); got ${JSON.stringify(unit)}` });
  if (period === undefined && days.length === 0 && repeat['dayOfWeek'] === undefined) issues.push({ field: at, message: 'this Timing can never fire: give a period and periodUnit, or days of the week' });
  for (const [key, value] of [['frequency', repeat['frequency']], ['count', repeat['count']]] as const) {
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 1)) issues.push({ field: `${at}.${key}`, message: `a ${key} of ${JSON.stringify(value)} can never fire: expected a whole number of 1 or more` });
  }
  const bounds = repeat['boundsPeriod'];
  if (isObject(bounds) && typeof bounds['start'] === 'string' && typeof bounds['end'] === 'string' && Date.parse(bounds['end']) <= Date.parse(bounds['start'])) {
    issues.push({ field: `${at}.boundsPeriod`, message: 'this Timing can never fire: its bounds end before they start' });
  }
  const times = repeat['timeOfDay'] === undefined ? ['08:00:00'] : array(repeat['timeOfDay']);
  const badTime = times.find((t) => typeof t !== 'string' || !/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/.test(t));
  if (badTime !== undefined) issues.push({ field: `${at}.timeOfDay`, message: `expected times as "HH:MM:SS"; got ${JSON.stringify(badTime)}` });
  if (times.length === 0) issues.push({ field: `${at}.timeOfDay`, message: 'an empty list of times can never fire' });
  const frequency = repeat['frequency'];
  if (typeof frequency === 'number' && frequency > 1 && times.length !== frequency) issues.push({ field: `${at}.frequency`, message: `frequency ${frequency} needs ${frequency} times of day (timeOfDay)` });
  const windowExtension = extensionsOf(isObject(timing) ? timing : {}, EXTENSIONS.taskWindow)[0] ?? extensionsOf(activity, EXTENSIONS.taskWindow)[0];
  const window = windowExtension ? isoDuration(windowExtension['valueDuration'], `${field}.extension(task-window).valueDuration`, issues) : 'P1D';
  if (issues.length > before || !window) return undefined;
  return {
    ...(period !== undefined ? { period: period as number, periodUnit: unit as 'd' | 'wk' } : {}),
    ...(days.length > 0 ? { dayOfWeek: days as DayOfWeek[] } : {}),
    timeOfDay: (times as string[]).map((t) => (t.length === 5 ? `${t}:00` : t)),
    window,
  };
}

/** An ActivityDefinition as an activity. */
function activityOf(activity: Json, id: string, field: string, issues: FieldIssue[]): PathwayActivity | undefined {
  const title = typeof activity['title'] === 'string' ? activity['title'] : typeof activity['name'] === 'string' ? activity['name'] : undefined;
  if (!title) issues.push({ field: `${field}.title`, message: 'required: what the patient is asked to do, e.g. "Measure SpO2 and pulse"' });
  const schedule = scheduleOf(activity, field, issues);
  const questionnaire = extensionsOf(activity, EXTENSIONS.questionnaire)[0]?.['valueCanonical'];
  const codings = array(isObject(activity['code']) ? activity['code']['coding'] : undefined).filter(isObject);
  const loinc = codings.find((c) => c['system'] === LOINC)?.['code'];
  let kind: PathwayActivity['kind'];
  if (activity['kind'] === 'ServiceRequest') {
    kind = 'measurement';
    if (typeof loinc !== 'string') issues.push({ field: `${field}.code`, message: 'a measurement (kind ServiceRequest) needs a LOINC code, e.g. {"coding": [{"system": "http://loinc.org", "code": "2708-6"}]}' });
  } else if (activity['kind'] === 'Task') {
    kind = questionnaire === undefined ? 'task' : 'questionnaire';
    if (questionnaire !== undefined && (typeof questionnaire !== 'string' || !questionnaire.includes('|'))) {
      issues.push({ field: `${field}.extension(sdc-questionnaire).valueCanonical`, message: 'expected the questionnaire as a versioned canonical "url|version"' });
    }
  } else {
    issues.push({ field: `${field}.kind`, message: `expected "ServiceRequest" (a measurement) or "Task" (a questionnaire or free task); got ${JSON.stringify(activity['kind'])}` });
    return undefined;
  }
  if (!title || !schedule) return undefined;
  return {
    id,
    title,
    kind,
    ...(kind === 'measurement' ? { loinc: loinc as string } : {}),
    ...(kind === 'questionnaire' ? { questionnaire: questionnaire as string } : {}),
    schedule,
  };
}

function selfCarePlanOf(plan: Json, issues: FieldIssue[]): SelfCarePlan | undefined {
  const entries = extensionsOf(plan, EXTENSIONS.selfCarePlan).map((e) => {
    const part = (name: string) => array(e['extension']).find((x): x is Json => isObject(x) && x['url'] === name);
    return { colour: part('colour')?.['valueCode'], nb: part('nb')?.['valueString'], en: part('en')?.['valueString'] };
  });
  const plans: Partial<Record<string, { nb: string; en: string }>> = {};
  for (const colour of COLOURS) {
    const entry = entries.find((e) => e.colour === colour);
    if (!entry || typeof entry.nb !== 'string' || typeof entry.en !== 'string' || !entry.nb.trim() || !entry.en.trim()) {
      issues.push({ field: `PlanDefinition.extension(pathway-self-care-plan)`, message: `required for ${colour}: what the patient should do, with "nb" (Norwegian bokmål) and "en" (English) texts` });
    } else plans[colour] = { nb: entry.nb, en: entry.en };
  }
  return Object.keys(plans).length === COLOURS.length ? (plans as SelfCarePlan) : undefined;
}

/**
 * Reads a PlanDefinition (type clinical-protocol) and the ActivityDefinitions its actions name (contained, or
 * in `activityDefinitions` by canonical) into a pathway version. Every problem is reported at once, each naming
 * its element; a Timing that can never fire is one of them.
 */
export function parsePlanDefinition(plan: unknown, activityDefinitions: readonly Json[] = []): ParsedPlanDefinition {
  const issues: FieldIssue[] = [];
  if (!isObject(plan) || plan['resourceType'] !== 'PlanDefinition') throw ValidationError.field('resourceType', 'expected a PlanDefinition');
  const url = plan['url'];
  if (typeof url !== 'string' || !/^https?:\/\/\S+$/.test(url)) issues.push({ field: 'PlanDefinition.url', message: 'required: the canonical url, e.g. "https://varde.no/fhir/PlanDefinition/heart-failure"' });
  const pathwayId = typeof url === 'string' ? pathwayIdOf(url) : undefined;
  if (typeof url === 'string' && !pathwayId) issues.push({ field: 'PlanDefinition.url', message: 'its last segment is the pathway id: lower-case letters, digits and hyphens, e.g. ".../PlanDefinition/heart-failure"' });
  const status = plan['status'];
  if (status !== 'draft' && status !== 'active' && status !== 'retired') issues.push({ field: 'PlanDefinition.status', message: 'expected "draft" or "active"' });
  const version = plan['version'];
  if (version !== undefined && (typeof version !== 'string' || !/^[1-9]\d{0,5}$/.test(version))) issues.push({ field: 'PlanDefinition.version', message: 'expected a whole version number as a string, e.g. "2" (or none: the next)' });
  const typeCodes = array(isObject(plan['type']) ? plan['type']['coding'] : undefined).filter(isObject);
  if (!typeCodes.some((c) => c['system'] === PLAN_DEFINITION_TYPE && c['code'] === 'clinical-protocol')) issues.push({ field: 'PlanDefinition.type', message: `expected the coding ${PLAN_DEFINITION_TYPE}#clinical-protocol` });
  const title = typeof plan['title'] === 'string' && plan['title'].trim() ? plan['title'] : undefined;
  if (!title) issues.push({ field: 'PlanDefinition.title', message: 'required: the pathway as clinicians name it' });
  const ruleSet = extensionsOf(plan, EXTENSIONS.ruleSet)[0]?.['valueString'];
  if (typeof ruleSet !== 'string' || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(ruleSet)) issues.push({ field: 'PlanDefinition.extension(pathway-rule-set)', message: 'required: the id of the triage rule set (valueString), e.g. "heart-failure-default"' });
  const careTeam = extensionsOf(plan, EXTENSIONS.defaultCareTeam)[0]?.['valueString'];
  if (typeof careTeam !== 'string' || !CARE_TEAM_ID.test(careTeam)) issues.push({ field: 'PlanDefinition.extension(pathway-default-care-team)', message: 'required: a care team id (valueString): lower-case letters, digits and hyphens' });
  const durationExtension = extensionsOf(plan, EXTENSIONS.expectedDuration)[0];
  const expectedDuration = durationExtension ? isoDuration(durationExtension['valueDuration'], 'PlanDefinition.extension(pathway-expected-duration).valueDuration', issues) : undefined;
  const selfCarePlan = selfCarePlanOf(plan, issues);

  const contained = array(plan['contained']).filter((r): r is Json => isObject(r) && r['resourceType'] === 'ActivityDefinition');
  const actions = array(plan['action']);
  if (actions.length === 0) issues.push({ field: 'PlanDefinition.action', message: 'required: at least one activity (an action with a definitionCanonical to an ActivityDefinition)' });
  const activities: PathwayActivity[] = [];
  actions.forEach((action, index) => {
    const field = `PlanDefinition.action[${index}]`;
    const canonical = isObject(action) ? action['definitionCanonical'] : undefined;
    if (typeof canonical !== 'string') {
      issues.push({ field: `${field}.definitionCanonical`, message: 'required: the ActivityDefinition this action schedules ("#id" for a contained one, or its "url|version")' });
      return;
    }
    const [canonicalUrl, canonicalVersion] = canonical.split('|');
    const found = canonical.startsWith('#')
      ? contained.find((r) => r['id'] === canonical.slice(1))
      : activityDefinitions.find((r) => r['url'] === canonicalUrl && (canonicalVersion === undefined || r['version'] === canonicalVersion));
    if (!found) {
      issues.push({ field: `${field}.definitionCanonical`, message: `${canonical} does not resolve: no such ActivityDefinition ${canonical.startsWith('#') ? 'in contained' : 'in the Bundle'}` });
      return;
    }
    const activity = activityOf(found, canonical, `ActivityDefinition(${canonical})`, issues);
    if (activity) activities.push(activity);
  });
  if (issues.length > 0) throw new ValidationError(issues);
  return {
    url: url as string,
    status: status as ParsedPlanDefinition['status'],
    ...(version !== undefined ? { version: Number(version) } : {}),
    definition: {
      id: pathwayId!,
      title: title!,
      ruleSet: { id: ruleSet as string, version: 0 },
      defaultCareTeam: careTeam as string,
      ...(expectedDuration ? { expectedDuration } : {}),
      activities,
      ...(selfCarePlan ? { selfCarePlan } : {}),
    },
  };
}
