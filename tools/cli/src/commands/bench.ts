import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { REPO_DIR } from '../repo-dir';
import { UsageError } from '../usage-error';

/**
 * Runs bench/src/<name>.bench.ts in a fresh Node process (the bench project is not a library the
 * CLI may import, and a fresh process keeps one benchmark's JIT and heap from skewing the next).
 */
function runBenchFile(name: string, args: readonly string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', `bench/src/${name}.bench.ts`, ...args], {
      cwd: REPO_DIR,
      stdio: 'inherit',
    });
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      if (code === 0) done();
      else fail(new Error(`bench ${name} ${signal ? `was killed by ${signal}` : `exited with code ${code}`}`));
    });
  });
}

export function registerBenchCommands(program: Command): void {
  const bench = program.command('bench').description('benchmarks: figures and a ratio against a reference or budget');

  bench
    .command('economics')
    .description('split over 10,000 levels and simulate with 100,000 trials of 7 VSPs, against the 1 s budget')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      await runBenchFile('economics', opts.json ? ['--json'] : []);
    });

  bench
    .command('caliper')
    .description('ledger: RecordRevenue submit throughput with Hyperledger Caliper, against a put-state chaincode on the same network (target ≥ 0.9)')
    .option('--json', 'print one JSON object')
    .option('--repeat <n>', 'rounds per chaincode (median reported)', '2')
    .option('--load <n>', 'transactions in flight (fixed-load controller)', '20')
    .action(async (opts: { json?: boolean; repeat: string; load: string }) => {
      await runBenchFile('caliper', [...(opts.json ? ['--json'] : []), '--repeat', opts.repeat, '--load', opts.load]);
    });

  bench
    .command('ledger')
    .description(
      "ledger: a DAO of a DSP and three VSPs, each in its own trust domain, grown version by version: last signature → the version readable by every member through its own bridge, split by the bridges' marks (target < 15 s per version); and chaincode event → Kafka latency p50/p99 (target p99 < 300 ms). Creates the member domains and starts what is not running",
    )
    .option('--json', 'print one JSON object')
    .option('--txs <n>', 'transactions for the latency measurement', '100')
    .option('--org-prefix <prefix>', 'the member domains are <prefix>DspMSP, <prefix>Vsp1MSP … <prefix>Vsp3MSP (reused across runs)', 'Bl')
    .action(async (opts: { json?: boolean; txs: string; orgPrefix: string }) => {
      const { checkOrgPrefix, domainsOnStack } = await import('./scenario');
      checkOrgPrefix(opts.orgPrefix, 11);
      const plan = [{ mspId: `${opts.orgPrefix}DspMSP`, role: 'DSP' as const }, ...[1, 2, 3].map((i) => ({ mspId: `${opts.orgPrefix}Vsp${i}MSP`, role: 'VSP' as const }))];
      // Not timed: the domains (created once, then reused), their member-mode services and the operator's.
      await domainsOnStack(plan);
      await runBenchFile('ledger', [...(opts.json ? ['--json'] : []), '--txs', opts.txs, '--members', plan.map((m) => m.mspId).join(',')]);
    });

  bench
    .command('lifecycle')
    .description('life cycle: a formation agreement accepted → first heartbeat recorded on the ledger (target < 30 s), through the running services (./dev up)')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      await runBenchFile('lifecycle', opts.json ? ['--json'] : []);
    });

  bench
    .command('idle')
    .description("the running stack at rest: every process's CPU (% of a core) and RSS per trust domain, and the busiest idle service against the 1 % budget")
    .option('--json', 'print one JSON object')
    .option('--window <s>', 'how long to measure, in seconds', '60')
    .action(async (opts: { json?: boolean; window: string }) => {
      if (!/^[1-9]\d{0,3}$/.test(opts.window)) throw new UsageError(`--window must be a whole number of seconds (1–9999), got "${opts.window}"`);
      await runBenchFile('idle', [...(opts.json ? ['--json'] : []), '--window', opts.window]);
    });

  bench
    .command('mpc')
    .description('MPC: online multiplications/s (3 parties), MASCOT triples/s (2 and 3 parties), and a dot product and mean/variance of 100,000 values against MPyC')
    .option('--json', 'print one JSON object')
    .option('--quick', 'smaller sizes, for a smoke run')
    .option('--no-mpyc', 'skip the MPyC comparison')
    .option('--workers', 'one worker thread per party instead of all parties in one thread')
    .action(async (opts: { json?: boolean; quick?: boolean; mpyc: boolean; workers?: boolean }) => {
      const flags = [...(opts.json ? ['--json'] : []), ...(opts.quick ? ['--quick'] : []), ...(opts.mpyc ? [] : ['--no-mpyc'])];
      await runBenchFile('mpc', [...flags, ...(opts.workers ? ['--workers'] : [])]);
    });
}
