import type { MeasurementView } from './measurement.view';

/** A code to match: `system|code`, or a bare code in any system. */
export type CodeFilter = Readonly<{ system?: string; code: string }>;

/** One bound of the effective time, or (`outside`) a range it must not fall in: `[at, until)`. */
export type DateBound = Readonly<{ op: 'gt' | 'ge' | 'lt' | 'le'; at: string } | { op: 'outside'; at: string; until: string }>;

/** Where the next page starts (exclusive): the last row's effective time and id. */
export type SearchCursor = Readonly<{ t: string; id: string }>;

/** A search of one patient's measurements. */
export type MeasurementSearch = Readonly<{
  patientId: string;
  code?: CodeFilter;
  dates: readonly DateBound[];
  count: number;
  descending: boolean;
  after?: SearchCursor;
}>;

/** One page: the rows, the total without paging, and the cursor of the next page when there is one. */
export type MeasurementPage = Readonly<{ views: readonly MeasurementView[]; total: number; next?: SearchCursor }>;

/** Port: queries of the measurements read model, all by patient. */
export abstract class MeasurementSearchQuery {
  /** A page of a patient's measurements ordered by effective time (then id), with the total. */
  abstract search(search: MeasurementSearch): Promise<MeasurementPage>;
  /** The latest value per code of one patient (of one code when given). */
  abstract lastPerCode(patientId: string, code?: CodeFilter): Promise<readonly MeasurementView[]>;
  /** One patient's values of one code in time order, between `from` and `to` when given. */
  abstract series(patientId: string, code: CodeFilter, from: string | undefined, to: string | undefined, limit: number): Promise<readonly MeasurementView[]>;
}
