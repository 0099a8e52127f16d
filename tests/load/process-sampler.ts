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
  /** PSS is read less often than RSS (see startProcessSampler): its peaks are of these samples. */
  pssIntervalMs: number;
  /** Peak of each service, its child processes included. */
  servicesPeak: Readonly<Record<string, MemoryFigure>>;
  /** Peak of the services' summed memory at one sampling instant (not the sum of the peaks). */
  servicesTotalPeak: MemoryFigure;
  /** Peak of what the services run on: PostgreSQL (all backends), Kafka, and the bench process itself. */
  infrastructurePeak: Readonly<Record<string, MemoryFigure>>;
}>;

/**
 * CPU used per group while sampling, in percent of one core (200 % = both cores of a two-core machine
 * busy): where the time went, which says which process is the bottleneck when the rate stops following.
 */
export type CpuReport = Readonly<{
  windowSeconds: number;
  percentOfOneCore: Readonly<Record<string, number>>;
  /** The whole machine's busy CPU over the window, ours included; far above our sum means others competed. */
  machineBusyPercentOfOneCore: number;
  /** Busy CPU of processes that are not the bench's: other work on the machine that skews the figures. */
  outsideBenchPercentOfOneCore: number;
}>;

/** What a sampler has seen from its start until now. */
export type SampledFigures = Readonly<{ memory: MemoryReport; cpu: CpuReport }>;

/**
 * A running sampler: `snapshot()` returns the peaks and the CPU used from the start until now and goes on
 * sampling (e.g. the figures of the load window, while the backlog is still being worked off); `stop()` ends
 * sampling and returns them until then.
 */
export type ProcessSampler = Readonly<{ snapshot: () => SampledFigures; stop: () => SampledFigures }>;

// PSS is 0 on the samples that do not read it: peaks are maxima, so it never counts.
type Kb = { rss: number; pss: number };
type ProcessInfo = Kb & { pid: number; ppid: number; comm: string; cpuTicks: number; service?: string };
type CpuTrack = { group: string; first: number; last: number };

// USER_HZ, the unit of utime/stime in /proc/<pid>/stat; 100 on every mainstream Linux build.
const TICKS_PER_SECOND = 100;

// Reading /proc/<pid>/smaps_rollup walks the process's page tables under its memory lock: about 3 ms of kernel
// time for a Node.js service and more under load, ~80 ms per sample over the whole platform. Every 500 ms that was
// 15 % of a core, taken in the bench process that also hosts the router (whose event loop it blocked) and from
// the services it locked. RSS, from /proc/<pid>/status, costs next to nothing and is read on every sample.
const PSS_EVERY_MS = 5_000;

/**
 * Samples memory and CPU time of every process descended from `rootPid` from `/proc` every `intervalMs`,
 * keeping the memory peak and the CPU used per group. Services are recognised by their command line (`services/<name>/src/main.ts`), so
 * the figures do not depend on the order of `platform.pids()`; the bench process (which also hosts the
 * router and the dev issuer) is reported as `bench+router`, and k6 is left out. Linux only.
 */
export function startProcessSampler(rootPid: number, intervalMs = 500, pssIntervalMs = PSS_EVERY_MS): ProcessSampler {
  const pssEvery = Math.max(1, Math.round(pssIntervalMs / intervalMs));
  const services = new Map<string, Kb>();
  const cpu = new Map<number, CpuTrack>();
  const startedAt = Date.now();
  const machineAtStart = machineBusyTicks();
  let firstSample = true;
  const infrastructure = new Map<string, Kb>();
  const servicesTotal: Kb = { rss: 0, pss: 0 };
  let samples = 0;
  const keepPeak = (peaks: Map<string, Kb>, group: string, kb: Kb): void => {
    const peak = peaks.get(group) ?? { rss: 0, pss: 0 };
    peaks.set(group, { rss: Math.max(peak.rss, kb.rss), pss: Math.max(peak.pss, kb.pss) });
  };
  const sample = (final = false): void => {
    const total: Kb = { rss: 0, pss: 0 };
    const { groups, members } = groupProcesses(rootPid, final || samples % pssEvery === 0);
    for (const { info, group } of members) {
      const track = cpu.get(info.pid);
      // A process already running at the first sample counts from there; one started later, from its start.
      if (track) track.last = info.cpuTicks;
      else cpu.set(info.pid, { group, first: firstSample ? info.cpuTicks : 0, last: info.cpuTicks });
    }
    firstSample = false;
    for (const [group, kb] of groups) {
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
  const timer = setInterval(() => sample(), intervalMs);
  const figures = (): SampledFigures => {
    sample(true);
    const windowSeconds = (Date.now() - startedAt) / 1000;
    const ticks = new Map<string, number>();
    for (const { group, first, last } of cpu.values()) ticks.set(group, (ticks.get(group) ?? 0) + last - first);
    const percent = (t: number): number => Math.round((t / TICKS_PER_SECOND / windowSeconds) * 1000) / 10;
    const percentOfOneCore = Object.fromEntries([...ticks].map(([group, t]) => [group.replace(/^service:/, ''), percent(t)]));
    const machineBusy = machineBusyTicks() - machineAtStart;
    const ours = [...ticks.values()].reduce((a, b) => a + b, 0);
    return {
      memory: { samples, intervalMs, pssIntervalMs: intervalMs * pssEvery, servicesPeak: inMb(services), servicesTotalPeak: toMb(servicesTotal), infrastructurePeak: inMb(infrastructure) },
      cpu: {
        windowSeconds: Math.round(windowSeconds * 10) / 10,
        percentOfOneCore,
        machineBusyPercentOfOneCore: percent(machineBusy),
        outsideBenchPercentOfOneCore: percent(Math.max(0, machineBusy - ours)),
      },
    };
  };
  return {
    snapshot: figures,
    stop: () => {
      clearInterval(timer);
      return figures();
    },
  };
}

/** Busy ticks of all CPUs since boot (the `cpu` line of /proc/stat, less idle and iowait). */
function machineBusyTicks(): number {
  const [, ...values] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/);
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice)
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = values.map(Number);
  return user + nice + system + irq + softirq + steal;
}

function groupProcesses(rootPid: number, withPss: boolean): { groups: Map<string, Kb>; members: Array<{ info: ProcessInfo; group: string }> } {
  const all = new Map<number, ProcessInfo>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = readProcess(Number(entry), withPss);
    if (info) all.set(info.pid, info);
  }
  const groups = new Map<string, Kb>();
  const members: Array<{ info: ProcessInfo; group: string }> = [];
  for (const info of all.values()) {
    const group = groupOf(info, all, rootPid);
    if (!group) continue;
    members.push({ info, group });
    const sum = groups.get(group) ?? { rss: 0, pss: 0 };
    groups.set(group, { rss: sum.rss + info.rss, pss: sum.pss + info.pss });
  }
  return { groups, members };
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

function readProcess(pid: number, withPss: boolean): ProcessInfo | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): string | undefined => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1];
    // Processes in exit, and kernel threads, have no VmRSS line: they hold no memory worth counting.
    const rss = field('VmRSS');
    if (rss === undefined) return undefined;
    const pss = withPss ? (/^Pss:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? rss) : '0';
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    const service = /services\/([a-z-]+)\/src\/main\.ts/.exec(cmdline)?.[1];
    const rssKb = Number.parseInt(rss, 10);
    // Fields after the parenthesised command name: state is the first, utime the 12th, stime the 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      pid,
      ppid: Number(field('PPid')),
      comm: field('Name') ?? '',
      rss: rssKb,
      pss: Number.parseInt(pss, 10),
      cpuTicks: Number(fields[11]) + Number(fields[12]),
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
