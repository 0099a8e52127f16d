import type { Transaction } from '@varde/event-sourcing';
import type { Guardianship } from '../domain/guardianship.events';

/** Port: the registered guardians (read model), written in the transaction of their events. */
export abstract class Guardianships {
  /** Stores a registration (again: no change). */
  abstract apply(tx: Transaction, guardianship: Guardianship): Promise<void>;
  /** The registration of the guardian whose identifiers include `subject`, for this child, if any. */
  abstract of(subject: string, patientId: string): Promise<Guardianship | undefined>;
}
