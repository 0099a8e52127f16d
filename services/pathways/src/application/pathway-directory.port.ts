import type { PathwayVersion } from '../domain/pathway-definition';

/** How a request names a pathway: its id or PlanDefinition url (or id), with an optional version (default: the active one). */
export type PathwayReference = Readonly<{ pathway: string; version?: number }>;

/** Port: the published pathway versions patients can be enrolled on. */
export abstract class PathwayDirectory {
  /** The pathway version a reference names; ValidationError naming the field when there is no such active version. */
  abstract resolve(reference: PathwayReference, field?: string): Promise<PathwayVersion>;
}
