import type { MeasurementView } from './measurement.view';

/** A code to match: `system|code`, or a bare code in any system. */
export type CodeFilter = Readonly<{ system?: string; code: string }>;

/** One bound of the effective time, or (`outside`) a range it must not fall in: `[at, until)`. */
export type DateBound = Readonly<{ op: 'gt' | 'ge' | 'lt' | 'le'; at: string } | { op: 'outside'; at: string; until: string }>;

/** Where the next page starts (exclusive): the last row's time it is ordered by, and id. */
export type SearchCursor = Readonly<{ t: string; id: string }>;

/** An identifier to match: `system|value`, or a bare value in any system. */
export type IdentifierFilter = Readonly<{ system?: string; value: string }>;

/** What a search orders by: the effective time (`date`) or when the measurement last changed (`_lastUpdated`). */
export type SearchOrder = 'date' | '_lastUpdated';

/** A search of one patient's measurements; each list matches any of its items, and all lists must match. */
export type MeasurementSearch = Readonly<{
  patientId: string;
  codes: readonly CodeFilter[];
  /** Matched against the Observation's `category` as sent (measurements recorded before it was kept have none). */
  categories: readonly CodeFilter[];
  identifiers: readonly IdentifierFilter[];
  dates: readonly DateBound[];
  lastUpdated: readonly DateBound[];
  count: number;
  orderBy: SearchOrder;
  descending: boolean;
  after?: SearchCursor;
}>;

/** One page: the rows, the total without paging, and the cursor of the next page when there is one. */
export type MeasurementPage = Readonly<{ views: readonly MeasurementView[]; total: number; next?: SearchCursor }>;

/** Port: queries of the measurements read model, all by patient. */
export abstract class MeasurementSearchQuery {
  /** A page of a patient's measurements ordered by effective time (then id), with the total. */
  abstract search(search: MeasurementSearch): Promise<MeasurementPage>;
  /** The latest `max` values per code of one patient (of the given codes, when any), newest first within a code. */
  abstract lastPerCode(patientId: string, codes: readonly CodeFilter[], max: number): Promise<readonly MeasurementView[]>;
  /** One patient's values of one code in time order, between `from` and `to` when given. */
  abstract series(patientId: string, code: CodeFilter, from: string | undefined, to: string | undefined, limit: number): Promise<readonly MeasurementView[]>;
}
