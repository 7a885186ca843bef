import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { isAlive, processUser } from '@datawell/stack';

/**
 * What keeps the machine busy, read from /proc: a long test run says so in its own output, so a run
 * that ends past its time limit (a CI log cut to its end) shows which processes were eating the CPU.
 */

const TICKS_PER_SECOND = 100;

export interface BusyProcess {
  readonly pid: number;
  /** The OS user it runs as (a member domain's processes run as that domain's user). */
  readonly user: string;
  /** Its executable and the first argument that names what it runs (a script, a subcommand). */
  readonly label: string;
  /** CPU used over the sampling window, in % of one core. */
  readonly cpuPercent: number;
}

function cpuTicks(): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(entry), Number(fields[11]) + Number(fields[12]));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return out;
}

function describe(pid: number): { user: string; label: string } | undefined {
  try {
    const user = processUser(pid);
    if (user === undefined) return undefined;
    let argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
    // A process that rewrote its title (chromium's children) has one string with spaces.
    if (argv.length === 1 && argv[0]!.includes(' ')) argv = argv[0]!.split(' ').filter((a) => a !== '');
    // The kernel's name for it (chromium's renderers rewrite their command line, not this).
    const exe = readFileSync(`/proc/${pid}/comm`, 'utf8').trim() || (argv[0] ?? '?').split('/').pop() || '?';
    // The argument that says what a generic runtime runs: `node …/main.js`, `java … kafka.Kafka`, `peer node start`.
    // (`-r module` preloads a module: the script comes after it.)
    const what = argv.slice(1).find((a, i, rest) => !a.startsWith('-') && !['-r', '--require'].includes(rest[i - 1] ?? '') && (a.includes('/') || a.includes('.') || /^[a-z]+$/.test(a)));
    const shortWhat = what ? what.split('/').slice(-3).join('/') : '';
    return { user, label: shortWhat ? `${exe} ${shortWhat}` : exe };
  } catch {
    return undefined;
  }
}

/** The `top` processes by CPU over `windowMs`. */
export async function busiestProcesses(windowMs = 2_000, top = 6): Promise<BusyProcess[]> {
  const before = cpuTicks();
  await new Promise((r) => setTimeout(r, windowMs));
  const after = cpuTicks();
  const busy: BusyProcess[] = [];
  for (const [pid, ticks] of after) {
    const used = ticks - (before.get(pid) ?? ticks);
    if (used <= 0) continue;
    const d = describe(pid);
    if (!d) continue;
    busy.push({ pid, ...d, cpuPercent: Math.round(((used / TICKS_PER_SECOND) * 1000 * 100) / windowMs) });
  }
  return busy.sort((a, b) => b.cpuPercent - a.cpuPercent).slice(0, top);
}

/** One line: the load averages, the number of processes, and the busiest processes. */
export async function loadLine(): Promise<string> {
  const load = loadavg().map((l) => l.toFixed(1)).join(' ');
  const processes = readdirSync('/proc').filter((e) => /^\d+$/.test(e)).length;
  const busy = await busiestProcesses();
  const list = busy.map((b) => `${b.label} (${b.user}) ${b.cpuPercent}%`).join(', ');
  return `load ${load} on ${cpus().length} cores, ${processes} processes; busiest: ${list || 'none'}`;
}

export interface LoadWatchOptions {
  /** A line every this often, whatever the load. */
  readonly everyMs: number;
  /** Sooner, when the one-minute load average passes this (at most once a minute). */
  readonly highLoad: number;
  readonly write: (line: string) => void;
}

/** Writes a load line now and then until stopped. Never throws: a failed read only skips a line. */
export function watchLoad(opts: LoadWatchOptions): { stop(): void } {
  let last = Date.now();
  const tick = setInterval(() => {
    const now = Date.now();
    const due = now - last >= opts.everyMs || (loadavg()[0]! > opts.highLoad && now - last >= 60_000);
    if (!due) return;
    last = now;
    void loadLine()
      .then((line) => opts.write(`test: ${new Date().toISOString().slice(11, 19)} ${line}\n`))
      .catch(() => undefined);
  }, 15_000);
  tick.unref();
  return { stop: () => clearInterval(tick) };
}

/**
 * Processes still running from a folder after everything the tooling knows of there was stopped: a
 * process whose command line or working directory names a path inside `dir` (a workload a test
 * started by hand, a member service whose pid file a test removed), or whose environment carries
 * `mark` (DATAWELL_TEST_RUN_MARK, which ./dev test gives each jest run: every process a test started
 * inherits it unless started with a clean environment; a person's shell that merely names the folder
 * is not touched). This process and its ancestors are never counted. Each is named, then stopped (SIGTERM, then SIGKILL after `graceMs`),
 * so a stopped stack leaves nothing busy behind for the next tier.
 */
export async function stopLeftovers(dir: string, opts: { readonly mark?: string; readonly graceMs?: number } = {}): Promise<string[]> {
  const inside = (path: string) => path === dir || path.startsWith(`${dir}/`);
  const namesDir = (text: string) => text.split('\0').some((a) => a.split('=').some((part) => inside(part)));
  const spared = ancestors();
  const found: Array<{ pid: number; what: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || spared.has(Number(entry))) continue;
    const pid = Number(entry);
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline === '') continue; // a kernel thread, or a zombie
      const readOr = (read: () => string) => {
        try {
          return read();
        } catch {
          return '';
        }
      };
      const cwd = readOr(() => readlinkSync(`/proc/${pid}/cwd`));
      const environ = readOr(() => readFileSync(`/proc/${pid}/environ`, 'utf8'));
      const marked = opts.mark !== undefined && environ.split('\0').includes(`DATAWELL_TEST_RUN_MARK=${opts.mark}`);
      if (!marked && !namesDir(cmdline) && !inside(cwd)) continue;
      const d = describe(pid);
      found.push({ pid, what: `${d?.label ?? cmdline.split('\0')[0]} (${d?.user ?? '?'}, pid ${pid})` });
    } catch {
      // Ended meanwhile.
    }
  }
  for (const p of found) signal(p.pid, 'SIGTERM');
  const deadline = Date.now() + (opts.graceMs ?? 5_000);
  while (found.some((p) => isAlive(p.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  for (const p of found) if (isAlive(p.pid)) signal(p.pid, 'SIGKILL');
  return found.map((p) => p.what);
}

/** This process and every process above it. */
function ancestors(): Set<number> {
  const out = new Set<number>();
  let pid = process.pid;
  while (pid > 1 && !out.has(pid)) {
    out.add(pid);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      break;
    }
  }
  out.add(1);
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}
