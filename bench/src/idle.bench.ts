/**
 * The stack at rest: every process of the running stack (the operator's and every member domain's:
 * orderers, CAs, peers, chaincode servers, Kafka, PostgreSQL, Redis, the services, member services,
 * workloads), its CPU (% of one core, utime+stime from /proc over the window) and RSS at the end,
 * grouped by the OS user it runs as (one per trust domain). Prints each Node service's idle CPU
 * against the 1 %-of-a-core budget (issue "Trust domains"). Run it against a stack left alone:
 * `./dev up`, `./dev domain add …` and `./dev domain start`, then `./dev bench idle`.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { loadSettings } from '@datawell/stack';

const args = process.argv.slice(2);
const json = args.includes('--json');
const windowAt = args.indexOf('--window');
const WINDOW_S = windowAt >= 0 ? Number(args[windowAt + 1]) : 60;
const BUDGET_PERCENT = 1;
const TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

interface Proc {
  readonly pid: number;
  readonly user: string;
  readonly name: string;
}

const read = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

const users = new Map(
  (read('/etc/passwd') ?? '')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(':'))
    .map((f) => [Number(f[2]), f[0]!] as const),
);

/** What a process is, from its command line. */
function nameOf(cmd: string): string {
  const service = /services\/([a-z-]+)\/(?:src\/)?main\.(?:ts|js)/.exec(cmd);
  if (service) return `service ${service[1]}`;
  if (/fabric-shim\/cli\.js/.test(cmd)) return `chaincode ${/--chaincode-id (\S+?)_/.exec(cmd)?.[1] ?? '?'}`;
  if (/\/peer node start/.test(cmd)) return 'peer';
  if (/\/orderer(\s|$)/.test(cmd)) return 'orderer';
  if (/fabric-ca-server/.test(cmd)) return 'fabric-ca';
  if (/kafka\.Kafka|kafka\.kafka/.test(cmd)) return 'kafka';
  if (/postgres/.test(cmd)) return 'postgres';
  if (/redis-server/.test(cmd)) return 'redis';
  if (/mpc-node/.test(cmd)) return 'mpc-node';
  if (/supervisor/.test(cmd)) return 'workload supervisor';
  return cmd.split(' ')[0]!.split('/').pop() ?? cmd;
}

/** The processes of the stack: its folder in their command line, working directory or environment. */
function stackProcesses(stackDir: string): Proc[] {
  const out: Proc[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid || pid === process.ppid) continue;
    const cmd = (read(`/proc/${pid}/cmdline`) ?? '').replace(/\0/g, ' ').trim();
    if (!cmd) continue;
    let cwd = '';
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      /* gone */
    }
    const environ = read(`/proc/${pid}/environ`) ?? '';
    if (!cmd.includes(stackDir) && !cwd.startsWith(stackDir) && !environ.includes(stackDir)) continue;
    if (/\bdev\b.*\bbench\b|bench\/src\//.test(cmd)) continue;
    const uid = Number(/^Uid:\s+(\d+)/m.exec(read(`/proc/${pid}/status`) ?? '')?.[1] ?? -1);
    out.push({ pid, user: users.get(uid) ?? String(uid), name: nameOf(cmd) });
  }
  return out;
}

const cpuTicks = (pid: number): number | undefined => {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
};
const rssMb = (pid: number): number => Number(/^VmRSS:\s+(\d+)/m.exec(read(`/proc/${pid}/status`) ?? '')?.[1] ?? 0) / 1024;
const loadAverage = () => (read('/proc/loadavg') ?? '').split(' ').slice(0, 3).join(' ');

async function main(): Promise<void> {
  const { stackDir } = loadSettings(process.cwd());
  const procs = stackProcesses(stackDir);
  if (procs.length === 0) throw new Error(`no process of the stack in ${stackDir} is running (./dev up first)`);
  const loadBefore = loadAverage();
  const before = new Map(procs.map((p) => [p.pid, cpuTicks(p.pid)]));
  if (!json) process.stderr.write(`idle: ${procs.length} processes of ${stackDir}, ${WINDOW_S} s window…\n`);
  await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
  const rows = procs
    .map((p) => {
      const a = before.get(p.pid);
      const b = cpuTicks(p.pid);
      if (a === undefined || b === undefined) return undefined;
      return { ...p, cpuPercent: ((b - a) / TICKS / WINDOW_S) * 100, rssMb: rssMb(p.pid) };
    })
    .filter((r): r is NonNullable<typeof r> => r !== undefined)
    .sort((x, y) => x.user.localeCompare(y.user) || x.name.localeCompare(y.name));
  const byDomain = new Map<string, { cpuPercent: number; rssMb: number; processes: number }>();
  for (const r of rows) {
    const d = byDomain.get(r.user) ?? { cpuPercent: 0, rssMb: 0, processes: 0 };
    byDomain.set(r.user, { cpuPercent: d.cpuPercent + r.cpuPercent, rssMb: d.rssMb + r.rssMb, processes: d.processes + 1 });
  }
  const services = rows.filter((r) => r.name.startsWith('service '));
  const worst = services.reduce((m, r) => Math.max(m, r.cpuPercent), 0);
  const total = rows.reduce((s, r) => ({ cpuPercent: s.cpuPercent + r.cpuPercent, rssMb: s.rssMb + r.rssMb }), { cpuPercent: 0, rssMb: 0 });
  const result = {
    stackDir,
    windowSeconds: WINDOW_S,
    loadAverage: { before: loadBefore, after: loadAverage() },
    processes: rows.map((r) => ({ pid: r.pid, user: r.user, name: r.name, cpuPercent: Number(r.cpuPercent.toFixed(2)), rssMb: Math.round(r.rssMb) })),
    domains: Object.fromEntries([...byDomain].map(([user, d]) => [user, { processes: d.processes, cpuPercent: Number(d.cpuPercent.toFixed(2)), rssMb: Math.round(d.rssMb) }])),
    total: { processes: rows.length, cpuPercent: Number(total.cpuPercent.toFixed(2)), rssMb: Math.round(total.rssMb) },
    services: { count: services.length, worstCpuPercent: Number(worst.toFixed(2)), budgetPercent: BUDGET_PERCENT, ratioToBudget: Number((worst / BUDGET_PERCENT).toFixed(2)) },
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const line = (cols: string[]) => process.stdout.write(`${cols[0]!.padEnd(18)} ${cols[1]!.padEnd(30)} ${cols[2]!.padStart(8)} ${cols[3]!.padStart(8)}\n`);
  line(['user (domain)', 'process', 'CPU %', 'RSS MB']);
  // A server's worker processes (PostgreSQL's backends) on one row; their RSS counts shared memory once per process.
  const grouped = new Map<string, { user: string; name: string; n: number; cpuPercent: number; rssMb: number }>();
  for (const r of rows) {
    const key = `${r.user}\0${r.name}\0${r.name === 'postgres' ? '' : r.pid}`;
    const g = grouped.get(key) ?? { user: r.user, name: r.name, n: 0, cpuPercent: 0, rssMb: 0 };
    grouped.set(key, { ...g, n: g.n + 1, cpuPercent: g.cpuPercent + r.cpuPercent, rssMb: g.rssMb + r.rssMb });
  }
  for (const g of grouped.values()) line([g.user, g.n > 1 ? `${g.name} (${g.n} processes)` : g.name, g.cpuPercent.toFixed(2), g.rssMb.toFixed(0)]);
  process.stdout.write('\n');
  for (const [user, d] of byDomain) line([user, `${d.processes} processes`, d.cpuPercent.toFixed(2), d.rssMb.toFixed(0)]);
  line(['all', `${rows.length} processes`, total.cpuPercent.toFixed(2), total.rssMb.toFixed(0)]);
  process.stdout.write(`\nidle Node services: the busiest at ${worst.toFixed(2)} % of a core, ${(worst / BUDGET_PERCENT).toFixed(2)}× the ${BUDGET_PERCENT} % budget (${services.length} services)\n`);
  process.stdout.write(`load average before ${loadBefore}, after ${loadAverage()}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench idle: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
