import { readFileSync, readdirSync } from 'node:fs';

/** Peak resident memory (MiB) per group of processes, and of their sum at any one moment. */
export type MemoryReport = Readonly<{
  samples: number;
  intervalMs: number;
  /** Peak RSS of each service, its child processes included. */
  servicesPeakMb: Readonly<Record<string, number>>;
  /** Peak of the five services' summed RSS at one sampling instant (not the sum of the peaks). */
  servicesTotalPeakMb: number;
  /** Peak RSS of what the services run on: PostgreSQL (all backends), Kafka, and the bench process itself. */
  infrastructurePeakMb: Readonly<Record<string, number>>;
}>;

/** A running sampler; `stop()` ends sampling and returns the peaks. */
export type MemorySampler = Readonly<{ stop: () => MemoryReport }>;

type ProcessInfo = { pid: number; ppid: number; comm: string; rssKb: number; service?: string };

/**
 * Samples the RSS of every process descended from `rootPid` from `/proc` every `intervalMs` and keeps the
 * peak per group. Services are recognised by their command line (`services/<name>/src/main.ts`), so the
 * figures do not depend on the order of `platform.pids()`; the bench process (which also hosts the router
 * and the dev issuer) is reported as `bench+router`. Linux only.
 */
export function startMemorySampler(rootPid: number, intervalMs = 500): MemorySampler {
  const services: Record<string, number> = {};
  const infrastructure: Record<string, number> = {};
  let servicesTotal = 0;
  let samples = 0;
  const sample = (): void => {
    const groups = groupRss(rootPid);
    let total = 0;
    for (const [group, kb] of groups) {
      const mb = kb / 1024;
      if (group.startsWith('service:')) {
        const name = group.slice('service:'.length);
        services[name] = Math.max(services[name] ?? 0, mb);
        total += mb;
      } else {
        infrastructure[group] = Math.max(infrastructure[group] ?? 0, mb);
      }
    }
    servicesTotal = Math.max(servicesTotal, total);
    samples++;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return { samples, intervalMs, servicesPeakMb: rounded(services), servicesTotalPeakMb: round(servicesTotal), infrastructurePeakMb: rounded(infrastructure) };
    },
  };
}

function groupRss(rootPid: number): Map<string, number> {
  const all = new Map<number, ProcessInfo>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = readProcess(Number(entry));
    if (info) all.set(info.pid, info);
  }
  const groups = new Map<string, number>();
  for (const info of all.values()) {
    const group = groupOf(info, all, rootPid);
    if (group && group !== 'k6') groups.set(group, (groups.get(group) ?? 0) + info.rssKb);
  }
  return groups;
}

/** The group of a process below the root: that of its nearest recognisable ancestor (or itself). */
function groupOf(info: ProcessInfo, all: ReadonlyMap<number, ProcessInfo>, rootPid: number): string | undefined {
  const chain: ProcessInfo[] = [];
  for (let current: ProcessInfo | undefined = info; current; current = all.get(current.ppid)) {
    chain.push(current);
    if (current.pid === rootPid) break;
  }
  // Another platform on the same machine (a developer's) runs the same programs: only our descendants count.
  if (chain.at(-1)?.pid !== rootPid) return undefined;
  for (const current of chain) {
    if (current.pid === rootPid) return 'bench+router';
    if (current.service) return `service:${current.service}`;
    if (current.comm === 'postgres') return 'postgres';
    if (current.comm === 'java') return 'kafka';
    if (current.comm === 'k6') return 'k6';
  }
  return undefined;
}

function readProcess(pid: number): ProcessInfo | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): string | undefined => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1];
    // Processes in exit, and kernel threads, have no VmRSS line: they hold no memory worth counting.
    const rss = field('VmRSS');
    if (rss === undefined) return undefined;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    const service = /services\/([a-z-]+)\/src\/main\.ts/.exec(cmdline)?.[1];
    return { pid, ppid: Number(field('PPid')), comm: field('Name') ?? '', rssKb: Number.parseInt(rss, 10), ...(service ? { service } : {}) };
  } catch {
    return undefined; // the process ended between listing and reading
  }
}

function round(mb: number): number {
  return Math.round(mb * 10) / 10;
}

function rounded(record: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, round(v)]));
}
