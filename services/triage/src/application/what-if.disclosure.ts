import type { Principal } from '@varde/auth';
import { ForbiddenError } from '@varde/core';
import type { WhatIfReport } from './what-if.service';

/**
 * Fewest patients a what-if aggregate may describe, and the smallest count shown to anyone but an auditor: a
 * count from 1 to MIN_GROUP_SIZE − 1 is shown as `null` (suppressed), so moving a threshold in small steps does
 * not single out one patient's values (the k-anonymity rule of statistics on health data).
 */
export const MIN_GROUP_SIZE = 5;

type Count = number | null;
type Totals = WhatIfReport['totals']['published'];
/** Totals with small counts suppressed (`null`). */
export type DisclosedTotals = Readonly<{
  alerts: Count;
  colourChanges: Count;
  patientsWithAlerts: Count;
  endColours: Readonly<Record<keyof Totals['endColours'], Count>>;
  onsetsByRule: Readonly<Record<string, Count>>;
}>;

/** A what-if report as shown to one caller. */
export type DisclosedWhatIf = Omit<WhatIfReport, 'totals' | 'perPatient'> &
  Readonly<{
    totals: Readonly<{ published: DisclosedTotals; candidate: DisclosedTotals; difference: Readonly<{ alerts: Count; colourChanges: Count; patientsWithAlerts: Count }> }>;
    perPatient: WhatIfReport['perPatient'];
    /** The smallest count shown; smaller ones are `null`. 1 for an auditor, who sees everything. */
    minGroupSize: number;
  }>;

/**
 * What of a what-if report `principal` may see. Per-patient rows are patient data: an auditor sees them all, a
 * clinician those of their own care teams' patients (`readableAmong`, one batch question), a pathway designer none. Everyone but an
 * auditor gets the totals only when they describe at least {@link MIN_GROUP_SIZE} patients, with small counts
 * suppressed.
 */
export async function discloseWhatIf(report: WhatIfReport, principal: Principal, readableAmong: (patientIds: readonly string[]) => Promise<ReadonlySet<string>>): Promise<DisclosedWhatIf> {
  if (principal.role === 'auditor') return { ...report, minGroupSize: 1 };
  if (report.patients < MIN_GROUP_SIZE) {
    throw new ForbiddenError(`the what-if covers ${report.patients} patient(s); aggregates are shown only over at least ${MIN_GROUP_SIZE}, so no single patient can be made out (choose a longer period)`);
  }
  const readable = principal.role === 'clinician' ? await readableAmong([...new Set(report.perPatient.map((row) => row.patientId))]) : new Set<string>();
  const perPatient = report.perPatient.filter((row) => readable.has(row.patientId));
  const published = suppressTotals(report.totals.published);
  const candidate = suppressTotals(report.totals.candidate);
  const difference = (key: 'alerts' | 'colourChanges' | 'patientsWithAlerts'): Count => (published[key] === null || candidate[key] === null ? null : candidate[key] - published[key]);
  return {
    ...report,
    totals: { published, candidate, difference: { alerts: difference('alerts'), colourChanges: difference('colourChanges'), patientsWithAlerts: difference('patientsWithAlerts') } },
    perPatient,
    minGroupSize: MIN_GROUP_SIZE,
  };
}

const suppress = (n: number): Count => (n > 0 && n < MIN_GROUP_SIZE ? null : n);

function suppressTotals(totals: Totals): DisclosedTotals {
  return {
    alerts: suppress(totals.alerts),
    colourChanges: suppress(totals.colourChanges),
    patientsWithAlerts: suppress(totals.patientsWithAlerts),
    endColours: { green: suppress(totals.endColours.green), yellow: suppress(totals.endColours.yellow), red: suppress(totals.endColours.red) },
    onsetsByRule: Object.fromEntries(Object.entries(totals.onsetsByRule).map(([rule, n]) => [rule, suppress(n)])),
  };
}
