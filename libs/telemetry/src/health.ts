/** A probe of one dependency; resolves `true` when the dependency can serve. */
export type HealthCheck = () => Promise<boolean>;

/** How a failing check affects readiness. */
export interface HealthCheckOptions {
  /** A failing critical check takes the instance out of the load balancer; others are only reported. */
  readonly critical: boolean;
}

/** Readiness answer, shaped for a `/health/ready` body. */
export interface ReadinessReport {
  readonly status: 'ok' | 'unavailable';
  readonly checks: Record<string, 'up' | 'down'>;
}

/** Liveness answer, shaped for a `/health/live` body. */
export interface LivenessReport {
  readonly status: 'ok';
}

// A hung dependency must not hang the probe: it should show up by name as 'down' instead.
const DEFAULT_CHECK_TIMEOUT_MS = 1_500;

/** Collects the health checks of a service's components and answers liveness and readiness probes. */
export class HealthRegistry {
  private readonly checks = new Map<string, { check: HealthCheck; critical: boolean }>();
  private draining = false;

  constructor(private readonly checkTimeoutMs = DEFAULT_CHECK_TIMEOUT_MS) {}

  /** Adds a named check; registering a name twice is a wiring mistake and throws. */
  register(name: string, check: HealthCheck, options: HealthCheckOptions): void {
    if (this.checks.has(name)) throw new Error(`Health check "${name}" is already registered.`);
    this.checks.set(name, { check, critical: options.critical });
  }

  /** True once shutdown has begun. */
  get shuttingDown(): boolean {
    return this.draining;
  }

  /** Makes readiness fail from now on, so Kubernetes drains traffic before the process closes its connections. */
  markShuttingDown(): void {
    this.draining = true;
  }

  /** Answers at all only while the event loop turns; that is the whole liveness signal. */
  live(): LivenessReport {
    return { status: 'ok' };
  }

  /** Runs every check in parallel, each bounded by the timeout; a throw or a timeout counts as down. */
  async ready(): Promise<ReadinessReport> {
    const entries = [...this.checks.entries()];
    const results = await Promise.all(entries.map(([, { check }]) => this.run(check)));
    const checks: Record<string, 'up' | 'down'> = {};
    let criticalDown = false;
    entries.forEach(([name, { critical }], index) => {
      const up = results[index] === true;
      checks[name] = up ? 'up' : 'down';
      if (!up && critical) criticalDown = true;
    });
    return { status: this.draining || criticalDown ? 'unavailable' : 'ok', checks };
  }

  private async run(check: HealthCheck): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.checkTimeoutMs);
    });
    try {
      return await Promise.race([check().then((up) => up === true), timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
