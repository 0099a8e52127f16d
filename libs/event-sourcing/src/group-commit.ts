/** What one item of a group came to: its result, or why it alone was refused. */
export type GroupOutcome<O> = Readonly<{ ok: O } | { refused: unknown }>;

/** Options of {@link GroupCommit}. */
export type GroupCommitOptions = Readonly<{
  /** Most items written together. */
  maxGroup: number;
  /** Groups being written at once (each holds a database connection). */
  maxInFlight: number;
}>;

type Waiting<I, O> = { item: I; resolve: (value: O) => void; reject: (error: unknown) => void };

/**
 * Group commit: items submitted while earlier groups are being written wait and are written together as the
 * next group, so under load many requests share one transaction and one commit, while a request on an idle
 * service is written at once, alone — no timer, no added latency. `write` gets a group in submission order and
 * answers each item's outcome in the same order; a refused item rejects only its own submitter, a failed write
 * rejects the whole group (nothing of it was written, so each submitter may retry).
 */
export class GroupCommit<I, O> {
  private readonly waiting: Waiting<I, O>[] = [];
  private inFlight = 0;

  constructor(
    private readonly write: (items: readonly I[]) => Promise<readonly GroupOutcome<O>[]>,
    private readonly options: GroupCommitOptions,
  ) {}

  /** Resolves when the item's group is written, with the item's result; rejects with its refusal or the group's failure. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const group = this.waiting.splice(0, this.options.maxGroup);
      this.inFlight++;
      void this.writeGroup(group).finally(() => {
        this.inFlight--;
        this.next();
      });
    }
  }

  private async writeGroup(group: readonly Waiting<I, O>[]): Promise<void> {
    let outcomes: readonly GroupOutcome<O>[];
    try {
      outcomes = await this.write(group.map((w) => w.item));
      if (outcomes.length !== group.length) throw new Error(`group commit: ${outcomes.length} outcomes for ${group.length} items`);
    } catch (error) {
      for (const w of group) w.reject(error);
      return;
    }
    group.forEach((w, i) => {
      const outcome = outcomes[i]!;
      if ('ok' in outcome) w.resolve(outcome.ok);
      else w.reject(outcome.refused);
    });
  }
}
