import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The `.json` files of a folder a service ships data in (questionnaires, pathways), parsed, by file name in name
 * order: what the service publishes at start-up.
 */
export function readShippedJson<T>(directory: string): ReadonlyMap<string, T> {
  const files = readdirSync(directory).filter((f) => f.endsWith('.json')).sort();
  return new Map(files.map((f) => [f, JSON.parse(readFileSync(join(directory, f), 'utf8')) as T]));
}
