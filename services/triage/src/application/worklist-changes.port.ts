import type { Observable } from 'rxjs';

/** Port: tells listeners that the worklist or an alert changed, without saying whose (they read it again). */
export abstract class WorklistChanges {
  /** Emits an opaque mark each time the worklist or an alert changed. */
  abstract changes(): Observable<string>;
}
