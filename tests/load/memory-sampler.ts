import { readFileSync, readdirSync } from 'node:fs';

/**
 * Resident memory in MiB. `rssMb` is what `ps` shows; `pssMb` shares each shared page out among the
 * processes mapping it, so it is the figure that adds up (PostgreSQL's backends all map the same shared
 * buffers, which a sum of RSS would count once per backend).
 */
export type MemoryFigure = Readonly<{ rssMb: number; pssMb: number }>;

/** Peak memory per group of processes, and of the services' sum at any one moment. */
export type MemoryReport = Readonly<{
  samples: number;
  intervalMs: number;
  /** Peak of each service, its child processes included. */
  servicesPeak: Readonly<Record<string, MemoryFigure>>;
  /** Peak of the services' summed memory at one sampling instant (not the sum of the peaks). */
  servicesTotalPeak: MemoryFigure;
  /** Peak of what the services run on: PostgreSQL (all backends), Kafka, and the bench process itself. */
  infrastructurePeak: Readonly<Record<string, MemoryFigure>>;
}>;

/** A running sampler; `stop()` ends sampling and returns the peaks. */
export type MemorySampler = Readonly<{ stop: () => MemoryReport }>;

type Kb = { rss: number; pss: number };
type ProcessInfo = Kb & { pid: number; ppid: number; comm: string; service?: string };

/**
 * Samples the memory of every process descended from `rootPid` from `/proc` every `intervalMs` and keeps
 * the peak per group. Services are recognised by their command line (`services/<name>/src/main.ts`), so
 * the figures do not depend on the order of `platform.pids()`; the bench process (which also hosts the
 * router and the dev issuer) is reported as `bench+router`, and k6 is left out. Linux only.
 */
export function startMemorySampler(rootPid: number, intervalMs = 500): MemorySampler {
  const services = new Map<string, Kb>();
  const infrastructure = new Map<string, Kb>();
  const servicesTotal: Kb = { rss: 0, pss: 0 };
  let samples = 0;
  const keepPeak = (peaks: Map<string, Kb>, group: string, kb: Kb): void => {
    const peak = peaks.get(group) ?? { rss: 0, pss: 0 };
    peaks.set(group, { rss: Math.max(peak.rss, kb.rss), pss: Math.max(peak.pss, kb.pss) });
  };
  const sample = (): void => {
    const total: Kb = { rss: 0, pss: 0 };
    for (const [group, kb] of groupMemory(rootPid)) {
      if (group.startsWith('service:')) {
        keepPeak(services, group.slice('service:'.length), kb);
        total.rss += kb.rss;
        total.pss += kb.pss;
      } else if (group !== 'k6') {
        keepPeak(infrastructure, group, kb);
      }
    }
    servicesTotal.rss = Math.max(servicesTotal.rss, total.rss);
    servicesTotal.pss = Math.max(servicesTotal.pss, total.pss);
    samples++;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return { samples, intervalMs, servicesPeak: inMb(services), servicesTotalPeak: toMb(servicesTotal), infrastructurePeak: inMb(infrastructure) };
    },
  };
}

function groupMemory(rootPid: number): Map<string, Kb> {
  const all = new Map<number, ProcessInfo>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = readProcess(Number(entry));
    if (info) all.set(info.pid, info);
  }
  const groups = new Map<string, Kb>();
  for (const info of all.values()) {
    const group = groupOf(info, all, rootPid);
    if (!group) continue;
    const sum = groups.get(group) ?? { rss: 0, pss: 0 };
    groups.set(group, { rss: sum.rss + info.rss, pss: sum.pss + info.pss });
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
    const pss = /^Pss:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1];
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    const service = /services\/([a-z-]+)\/src\/main\.ts/.exec(cmdline)?.[1];
    const rssKb = Number.parseInt(rss, 10);
    return {
      pid,
      ppid: Number(field('PPid')),
      comm: field('Name') ?? '',
      rss: rssKb,
      pss: pss === undefined ? rssKb : Number(pss),
      ...(service ? { service } : {}),
    };
  } catch {
    return undefined; // the process ended between listing and reading
  }
}

function toMb(kb: Kb): MemoryFigure {
  return { rssMb: Math.round(kb.rss / 102.4) / 10, pssMb: Math.round(kb.pss / 102.4) / 10 };
}

function inMb(peaks: ReadonlyMap<string, Kb>): Record<string, MemoryFigure> {
  return Object.fromEntries([...peaks].map(([group, kb]) => [group, toMb(kb)]));
}
