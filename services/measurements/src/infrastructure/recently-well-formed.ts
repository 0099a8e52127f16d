/**
 * The templates (JSON keys) found well-formed by the R4 validator, the most recently used kept up to `capacity`:
 * what the Observation and Bundle envelope shortcuts remember, so a shape validated once is not validated again.
 */
export class RecentlyWellFormed {
  private readonly keys = new Set<string>();

  constructor(private readonly capacity: number) {}

  /** How many keys are remembered. */
  get size(): number {
    return this.keys.size;
  }

  /** Whether `key` was found well-formed; a hit becomes the most recently used. */
  has(key: string): boolean {
    if (!this.keys.delete(key)) return false;
    this.keys.add(key);
    return true;
  }

  /** Remembers `key`, forgetting the least recently used beyond the capacity. */
  add(key: string): void {
    this.keys.add(key);
    if (this.keys.size > this.capacity) this.keys.delete(this.keys.values().next().value!);
  }
}
