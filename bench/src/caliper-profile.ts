/**
 * Where a round's time goes, sampled before and after it: CPU time of every process on the
 * transaction path (from /proc) and the peers' and orderer's own Prometheus histograms
 * (endorsement, chaincode shim calls, block validation and commit, ordering).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const CLK_TCK = 100; // getconf CLK_TCK on Linux

/** utime + stime + cutime + cstime of one process, in seconds; 0 if it is gone. */
function processCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // fields[0] is the state (field 3); utime..cstime are fields 14..17.
    return [11, 12, 13, 14].reduce((s, i) => s + Number(fields[i] ?? 0), 0) / CLK_TCK;
  } catch {
    return 0;
  }
}

function parentOf(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** A process and all its descendants. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const parent = parentOf(pid);
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: (total - idle) / CLK_TCK, total: total / CLK_TCK };
}

function pidFromFile(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Accumulates CPU seconds per component over a time window. Processes that exit during the window
 * (none should) keep their last reading; a tree is re-read on every sample so Caliper's worker
 * processes are counted.
 */
export class CpuSampler {
  readonly #components: Readonly<Record<string, () => number[]>>;
  #start = new Map<number, number>();
  #last = new Map<number, number>();
  #owner = new Map<number, string>();
  #machineStart = machineCpu();
  #timer: NodeJS.Timeout | undefined;

  constructor(components: Readonly<Record<string, () => number[]>>) {
    this.#components = components;
  }

  /** Components from the stack's pid files, plus one process tree (Caliper) by its root pid. */
  static forStack(runDir: string, names: Readonly<Record<string, string>>, caliperPid: number): CpuSampler {
    const components: Record<string, () => number[]> = {};
    for (const [component, pidFile] of Object.entries(names)) {
      components[component] = () => {
        const pid = pidFromFile(join(runDir, `${pidFile}.pid`));
        return pid === undefined ? [] : processTree(pid);
      };
    }
    components['caliper'] = () => processTree(caliperPid);
    return new CpuSampler(components);
  }

  #sample(): void {
    for (const [component, pids] of Object.entries(this.#components)) {
      for (const pid of pids()) {
        const cpu = processCpuSeconds(pid);
        if (cpu === 0) continue;
        if (!this.#start.has(pid)) this.#start.set(pid, cpu);
        this.#owner.set(pid, component);
        this.#last.set(pid, cpu);
      }
    }
  }

  start(): void {
    this.#start.clear();
    this.#last.clear();
    this.#owner.clear();
    this.#sample();
    this.#machineStart = machineCpu();
    this.#timer = setInterval(() => this.#sample(), 500);
  }

  /** CPU seconds per component since start(), and the machine's busy and total CPU seconds. */
  stop(): { perComponent: Record<string, number>; machineBusy: number; machineTotal: number } {
    if (this.#timer) clearInterval(this.#timer);
    this.#sample();
    const end = machineCpu();
    const perComponent: Record<string, number> = {};
    for (const component of Object.keys(this.#components)) perComponent[component] = 0;
    for (const [pid, last] of this.#last) {
      const component = this.#owner.get(pid) as string;
      perComponent[component] = (perComponent[component] ?? 0) + last - (this.#start.get(pid) ?? last);
    }
    return { perComponent, machineBusy: end.busy - this.#machineStart.busy, machineTotal: end.total - this.#machineStart.total };
  }
}

/** One scrape of a Prometheus text endpoint: series (name + labels) → value. */
export type Scrape = ReadonlyMap<string, { readonly name: string; readonly labels: Readonly<Record<string, string>>; readonly value: number }>;

export async function scrape(url: string): Promise<Scrape> {
  const out = new Map<string, { name: string; labels: Record<string, string>; value: number }>();
  const text = await (await fetch(url)).text();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = l[2] as string;
    out.set(line.slice(0, line.lastIndexOf(' ')), { name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum over the series of one metric whose labels pass `match`, after minus before. */
export function delta(before: Scrape, after: Scrape, name: string, match: (labels: Readonly<Record<string, string>>) => boolean): number {
  let sum = 0;
  for (const [key, s] of after) {
    if (s.name !== name || !match(s.labels)) continue;
    sum += s.value - (before.get(key)?.value ?? 0);
  }
  return sum;
}
