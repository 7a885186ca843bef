import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { install, portSettingsEnv, status, type StackContext } from '@datawell/stack';
import { REPO_DIR, stackContext } from '../context';
import { buildConsoleBundle } from '../services/console';
import { loadLine, stopLeftovers, watchLoad } from '../services/load-watch';
import { buildServices } from '../services/runner';
import { stopEverything } from '../services/stop-all';
import { UsageError } from '../usage-error';

const TIERS = ['unit', 'integration', 'e2e'] as const;

/**
 * A step's exit code; with `deadline` (epoch ms), a step still running then is stopped (SIGTERM, then
 * SIGKILL) and reported as `'budget'`. With `prefix`, each line it prints starts with it (two tiers
 * running at once stay readable).
 */
function runStep(cmd: string, args: string[], env: Record<string, string> = {}, stdout: 'inherit' | 'ignore' = 'inherit', deadline?: number, prefix?: string): Promise<number | 'budget'> {
  return new Promise((resolve) => {
    const piped = prefix !== undefined;
    const child = spawn(cmd, args, { cwd: REPO_DIR, stdio: ['ignore', piped && stdout === 'inherit' ? 'pipe' : stdout, piped ? 'pipe' : 'inherit'], env: { ...process.env, ...env } });
    if (prefix !== undefined) {
      if (child.stdout) prefixLines(child.stdout, process.stdout, prefix);
      if (child.stderr) prefixLines(child.stderr, process.stderr, prefix);
    }
    let stopped = false;
    const timers: NodeJS.Timeout[] = [];
    if (deadline !== undefined) {
      timers.push(
        setTimeout(() => {
          stopped = true;
          child.kill('SIGTERM');
          timers.push(setTimeout(() => child.kill('SIGKILL'), 20_000));
        }, Math.max(0, deadline - Date.now())),
      );
    }
    child.on('close', (code) => {
      for (const t of timers) clearTimeout(t);
      resolve(stopped ? 'budget' : (code ?? 1));
    });
    child.on('error', () => resolve(1));
  });
}

function prefixLines(from: NodeJS.ReadableStream, to: NodeJS.WritableStream, prefix: string): void {
  createInterface({ input: from, crlfDelay: Infinity }).on('line', (line) => to.write(`${prefix}${line}\n`));
}

/**
 * Stops what still runs from a stopped stack's folder, or from the jest run marked `mark` (every
 * process its tests started inherits the mark), and says so: it would have slowed every later test.
 */
async function reportLeftovers(stackDir: string, mark: string): Promise<void> {
  const left = await stopLeftovers(stackDir, { mark });
  if (left.length > 0) process.stderr.write(`test: ${left.length} process(es) of ${stackDir} still ran after the stack was stopped, now stopped: ${left.join(', ')}\n`);
}

/**
 * The type check (the services' and libraries' settings, and the console page code's own: DOM, JSX,
 * bundler resolution) beside the lint. `beside` runs them niced, their lines prefixed (beside the e2e
 * tier, as the unit tier).
 */
async function runChecks(beside = false): Promise<{ typeCheck: boolean; lint: boolean }> {
  process.stderr.write(`test: type check (tsc --noEmit) and lint (eslint with module boundaries)${beside ? ' beside the e2e tier (niced); their lines start with "check│ "' : ''}\n`);
  const prefix = beside ? 'check│ ' : undefined;
  const step = (cmd: string, args: string[], env: Record<string, string> = {}, stdout: 'inherit' | 'ignore' = 'inherit') =>
    beside ? runStep('nice', ['-n', '10', cmd, ...args], env, stdout, undefined, prefix) : runStep(cmd, args, env, stdout);
  const [main, page, lint] = await Promise.all([
    step(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']),
    step(bin('tsc'), ['-p', 'apps/console/tsconfig.json', '--noEmit']),
    (async () => {
      // The boundaries rule reads Nx's project graph and silently skips itself when none is cached
      // (a fresh clone): compute it first.
      const graph = await step(bin('nx'), ['show', 'projects'], { NX_DAEMON: 'false' }, 'ignore');
      return graph === 0 ? step(bin('eslint'), ['apps', 'libs', 'services', 'tools', 'chaincode', 'bench']) : graph;
    })(),
  ]);
  return { typeCheck: main === 0 && page === 0, lint: lint === 0 };
}

/**
 * How long a whole `./dev test` may take before the tier still running is stopped and counted as
 * failed: CI kills a run at 90 minutes, and a run it kills prints no summary, so the run stops itself
 * first (82 minutes under CI, leaving time to stop the stack and print what passed and failed).
 */
function budgetMinutes(option: string | undefined): number | undefined {
  const raw = option ?? process.env['DATAWELL_TEST_BUDGET_MINUTES'] ?? (process.env['CI'] ? '82' : undefined);
  if (raw === undefined || raw === '' || raw === '0') return undefined;
  const minutes = Number(raw);
  if (!Number.isFinite(minutes) || minutes <= 0) throw new UsageError(`the time budget must be a positive number of minutes, got "${raw}"`);
  return minutes;
}

const bin = (name: string) => join(REPO_DIR, 'node_modules', '.bin', name);

/**
 * The e2e tier's own stack when the run started its stacks itself: a sibling folder, so the whole
 * life cycles start from a fresh network, not beside the integration tier's thirty-odd
 * organisations, peers and domains. With `ownPorts` (the tiers run at once) it has its own ports too:
 * each of the run's ports 5,000 lower (higher when that would fall under 1024); the services', gRPC
 * and console ports follow its Fabric port base. Otherwise it takes the same ports once the
 * integration stack has stopped.
 */
export function e2eStackEnv(settings: StackContext['settings'], ownPorts: boolean): Record<string, string> {
  const own = { DATAWELL_STACK_DIR: `${settings.stackDir}-e2e`, DATAWELL_ORDERERS: String(settings.orderers) };
  if (!ownPorts) return { ...portSettingsEnv(settings), ...own };
  const shift = (port: number) => (port - 5_000 >= 1_024 ? port - 5_000 : port + 5_000);
  const fabricBase = shift(settings.ports.fabricBase);
  return {
    ...own,
    DATAWELL_POSTGRES_PORT: String(shift(settings.ports.postgres)),
    DATAWELL_REDIS_PORT: String(shift(settings.ports.redis)),
    DATAWELL_KAFKA_PORT: String(shift(settings.ports.kafka)),
    DATAWELL_KAFKA_CONTROLLER_PORT: String(shift(settings.ports.kafkaController)),
    DATAWELL_FABRIC_PORT_BASE: String(fabricBase),
    DATAWELL_SERVICES_PORT_BASE: String(fabricBase + 900),
    DATAWELL_SERVICES_GRPC_PORT_BASE: String(fabricBase + 950),
    DATAWELL_CONSOLE_PORT: String(fabricBase + 990),
  };
}

/**
 * Each stack tier's jest workers, from its variable, else its default: the e2e tier two
 * (DATAWELL_E2E_WORKERS; 1 runs its files one at a time, under the locks of their `@e2eLock`
 * pragmas), the integration tier three (DATAWELL_INTEGRATION_WORKERS). An integration file spends
 * most of its time waiting on blocks, consumer groups and timers: with two at once the machine was
 * 65 % busy over the tier's 21 minutes (a 10-s sample of /proc/stat through a CI rehearsal on
 * 2026-12-08), so a third file takes up what the other two leave idle. Each worker has its own pool
 * of member domains (libs/testing/src/jest/pool.ts holds four workers' ahead).
 */
export const TIER_WORKERS = { e2e: { variable: 'DATAWELL_E2E_WORKERS', default: 2 }, integration: { variable: 'DATAWELL_INTEGRATION_WORKERS', default: 3 } } as const;

export function tierWorkers(tier: keyof typeof TIER_WORKERS, env: NodeJS.ProcessEnv = process.env): number {
  const { variable, default: fallback } = TIER_WORKERS[tier];
  const asked = env[variable];
  if (asked === undefined || asked === '') return fallback;
  if (!/^[1-9][0-9]*$/.test(asked)) throw new UsageError(`${variable} must be a whole number of workers (1 or more), got "${asked}"`);
  return Number(asked);
}

/**
 * All tests: the type check and lint count as one test each, then jest's unit and integration
 * tiers (the integration tier's global setup starts the native stack). Ends with "N passed, M failed".
 */
export function registerTestCommand(program: Command): void {
  program
    .command('test')
    .description('install what is needed and run every test: type check, lint, unit and integration tiers against the native stack')
    .option('--tier <tier>', `only one jest tier: ${TIERS.join(' | ')}`)
    .option('--no-checks', 'skip the type check and lint')
    .option('--budget <minutes>', 'stop the tier still running after this many minutes and count it as failed (default: DATAWELL_TEST_BUDGET_MINUTES, 82 under CI, else none)')
    .argument('[patterns...]', 'only test files whose path matches these patterns')
    .action(async (patterns: string[], opts: { tier?: string; checks: boolean; budget?: string }) => {
      if (opts.tier && !(TIERS as readonly string[]).includes(opts.tier)) throw new UsageError(`--tier must be one of ${TIERS.join(', ')}, got "${opts.tier}"`);
      const budget = budgetMinutes(opts.budget);
      const e2eWorkerCount = tierWorkers('e2e');
      const integrationWorkerCount = tierWorkers('integration');
      const deadline = budget === undefined ? undefined : Date.now() + budget * 60_000;
      let passed = 0;
      let failed = 0;
      /** Each failed test in one line, repeated before the closing line (a CI log cut to its end keeps them). */
      const failures: string[] = [];
      /** Each tier's slowest test files, printed before the failures (where the run's time went). */
      const slowest: string[] = [];
      const count = (ok: boolean, what: string) => {
        if (ok) passed++;
        else {
          failed++;
          failures.push(`${what} (its output is above)`);
        }
      };
      const ctx = stackContext();
      const needsStack = opts.tier !== 'unit';
      // The stack's health, read once before the install (which starts nothing): a stack that was up
      // serves every tier; else a run of every tier has stacks of its own (below). Not installed yet: not up.
      const stackWasUp = needsStack && (await status(ctx).then((s) => s.healthy).catch(() => false));
      // Every tier: the integration tier, then the e2e tier with the unit tier beside it (below).
      const runs: string[][] = opts.tier ? [[opts.tier]] : [['integration'], ['e2e'], ['unit']];
      const ownStacks = runs.length > 1 && needsStack && !stackWasUp && !process.env['DATAWELL_KEEP_STACK'];
      // With stacks of its own, the e2e tier (one file at a time: its services run as processes on
      // their stack's ports and consumer groups) runs after the unit and integration tiers on a fresh
      // stack in a sibling folder, on the same ports once the integration stack has stopped. With
      // DATAWELL_TEST_TIERS_TOGETHER=1 it runs beside them, on a second stack with ports of its own:
      // for a machine with cores to spare. Each tier alone leaves about half of two cores idle, but
      // together they overloaded this 2-core machine (load 15-30, e2e files twice as slow, a Kafka
      // console tool timing out): docs/stack.md. A stack that was up before serves every tier, one
      // after the other.
      const together = ownStacks && process.env['DATAWELL_TEST_TIERS_TOGETHER'] === '1';
      // The type check and lint run beside each other, each one process on one core. In a run of every
      // tier on stacks of its own they run beside the e2e tier's first files, niced like the unit tier
      // beside them: its exclusive files run alone and leave much of the machine idle
      // (the life cycle waits a minute for an abandonment: docs/stack.md "Two e2e files at once"), where
      // before the checks held up the integration tier by half a minute (and, on a fresh machine, took
      // CPU from the build of Fabric). Otherwise they run beside the toolchain's install, as the run starts.
      let checksBesideE2e = opts.checks && ownStacks && !together;
      const checks = opts.checks && !checksBesideE2e ? runChecks() : undefined;
      // Every few minutes a line on the machine's load and its busiest processes: a slow run says why.
      const watch = needsStack ? watchLoad({ everyMs: 5 * 60_000, highLoad: 6 * cpus().length, write: (line) => process.stderr.write(line) }) : undefined;
      if (needsStack) await install(ctx);
      const countChecks = ({ typeCheck, lint }: { typeCheck: boolean; lint: boolean }) => {
        count(typeCheck, 'type check');
        count(lint, 'lint');
      };
      if (checks) countChecks(await checks);
      const dir = mkdtempSync(join(tmpdir(), 'datawell-test-'));
      // Each jest run's processes carry its mark (DATAWELL_TEST_RUN_MARK): what still runs with it once
      // the run and its stack stopped is a leftover.
      const runId = randomUUID();
      const mark = (i: number) => `${runId}-${i}`;
      if (together) runs.splice(0, runs.length, ['unit', 'integration'], ['e2e']);
      const e2eEnv = ownStacks ? e2eStackEnv(ctx.settings, together) : {};
      const e2eCtx = ownStacks ? stackContext({}, e2eEnv) : ctx;
      if (ownStacks && existsSync(e2eCtx.settings.stackDir)) {
        // A folder left by an earlier run: whatever it still runs is stopped before it is removed.
        await stopEverything(e2eCtx).catch(() => undefined);
        await stopLeftovers(e2eCtx.settings.stackDir);
        rmSync(e2eCtx.settings.stackDir, { recursive: true, force: true });
      }
      if (together) {
        // Both tiers start services from the compiled tree and consoles from the built bundle: each is
        // built once here, not by both tiers at the same moment.
        await buildServices(ctx, REPO_DIR);
        await buildConsoleBundle(ctx, REPO_DIR);
        process.stderr.write(`test: the e2e tier runs beside the others on a stack of its own in ${e2eCtx.settings.stackDir} (Fabric ports from ${e2eEnv['DATAWELL_FABRIC_PORT_BASE']}); its lines start with "e2e│ "\n`);
      }
      const runTier = async (i: number, tiers: string[], env: Record<string, string>, prefix?: string, beside = false): Promise<{ tiers: string[]; code: number | 'budget' | 'skipped'; summary: string }> => {
        const summary = join(dir, `summary-${i}.json`);
        if (deadline !== undefined && Date.now() >= deadline) return { tiers, code: 'skipped', summary };
        // The e2e tier runs two files at once, under the locks their `@e2eLock` pragmas claim
        // (libs/testing/src/jest/tier-locks.ts); DATAWELL_E2E_WORKERS=1 runs it one file at a time.
        const workers = tiers.includes('e2e') ? e2eWorkerCount : tiers.includes('integration') ? integrationWorkerCount : 2;
        // --forceExit: a test that timed out never ran its cleanup, and the Kafka clients and pools it
        // left open must not keep jest (and CI) waiting for ever; the summary counts its failure.
        const args = ['--selectProjects', ...tiers, ...(process.env['CI'] ? ['--ci'] : []), workers > 1 ? `--maxWorkers=${workers}` : '--runInBand', '--forceExit', ...(patterns.length ? ['--passWithNoTests', '--testPathPatterns', ...patterns] : [])];
        // The unit tier beside the e2e tier takes what CPU the e2e files leave (its exclusive files run
        // alone first): niced, with a hang's limit that starving cannot reach. (Beside the integration
        // tier's three files it was starved: 416 s instead of 129, the integration files up to twice as slow.)
        const [cmd, cmdArgs] = beside ? ['nice', ['-n', '10', bin('jest'), ...args]] : [bin('jest'), args];
        const code = await runStep(cmd, cmdArgs, { ...env, DATAWELL_TEST_SUMMARY_FILE: summary, DATAWELL_TEST_RUN_MARK: mark(i), ...(runs.length > 1 ? { DATAWELL_KEEP_STACK: '1' } : {}), ...(beside ? { DATAWELL_UNIT_TEST_TIMEOUT_MS: '120000' } : {}) }, 'inherit', deadline, prefix);
        if (code === 'budget') process.stderr.write(`test: the run's time budget of ${budget} minutes is spent: the ${tiers.join('+')} tier was stopped\n`);
        return { tiers, code, summary };
      };
      const results: Array<Awaited<ReturnType<typeof runTier>>> = [];
      if (together) {
        // The integration stack stops as soon as its tier ends: its idle peers would slow the e2e files still running.
        const first = runTier(0, runs[0]!, {}).then(async (r) => {
          await stopEverything(ctx);
          await reportLeftovers(ctx.settings.stackDir, mark(0));
          return r;
        });
        results.push(...(await Promise.all([first, runTier(1, runs[1]!, e2eEnv, 'e2e│ ')])));
      } else {
        const unitAt = runs.findIndex((t) => t.length === 1 && t[0] === 'unit');
        for (const [i, tiers] of runs.entries()) {
          if (runs.length > 1 && i === unitAt) continue; // it ran beside the e2e tier
          if (ownStacks && tiers.includes('e2e')) {
            process.stderr.write(`test: the e2e tier on a fresh stack in ${e2eCtx.settings.stackDir} (the integration tier's stopped, kept in ${ctx.settings.stackDir})\n`);
            await stopEverything(ctx);
            await reportLeftovers(ctx.settings.stackDir, mark(i - 1));
          }
          if (tiers.includes('e2e') && unitAt >= 0) {
            process.stderr.write('test: the unit tier runs beside the e2e tier (niced); its lines start with "unit│ "\n');
            const besideChecks = checksBesideE2e ? runChecks(true) : undefined;
            if (besideChecks) checksBesideE2e = false;
            const [e2e, unit, checked] = await Promise.all([runTier(i, tiers, e2eEnv), runTier(unitAt, runs[unitAt]!, {}, 'unit│ ', true), besideChecks]);
            results.push(e2e, unit);
            if (checked) countChecks(checked);
          } else results.push(await runTier(i, tiers, tiers.includes('e2e') ? e2eEnv : {}));
        }
      }
      // Checks meant for beside the e2e tier that did not run there (the tier not reached): run now.
      if (checksBesideE2e) countChecks(await runChecks());
      for (const { tiers, code, summary } of results) {
        const name = tiers.join('+');
        if (code === 'skipped') {
          failed++;
          failures.push(`${name}: not run, the run's time budget of ${budget} minutes was spent`);
          continue;
        }
        if (code === 'budget') {
          failed++;
          failures.push(`${name}: stopped when the run's time budget of ${budget} minutes was spent; the test file running then and any after it did not finish (load then: ${await loadLine().catch(() => 'unknown')})`);
        }
        if (existsSync(summary)) {
          const s = JSON.parse(readFileSync(summary, 'utf8')) as { passed: number; failed: number; failures?: string[]; slowest?: Array<{ file: string; seconds: number }> };
          if (s.slowest?.length) slowest.push(`${name}: ${s.slowest.map((f) => `${f.file} ${f.seconds} s`).join(', ')}`);
          passed += s.passed;
          failed += s.failed;
          failures.push(...(s.failures ?? []).map((f) => `${name}: ${f}`));
          // Jest can fail after its tests (global teardown, open handles): that is a failure too.
          if (code !== 0 && code !== 'budget' && s.failed === 0) {
            failed++;
            failures.push(`${name}: jest exited ${code} after its tests passed (global teardown, open handles)`);
          }
        } else if (code !== 'budget') {
          process.stderr.write(`test: jest ended (exit ${code}) before reporting results (a failed global setup?)\n`);
          failed++;
          failures.push(`${name}: jest ended (exit ${code}) before reporting results (a failed global setup?)`);
        }
      }
      watch?.stop();
      rmSync(dir, { recursive: true, force: true });
      if (ownStacks) {
        // The e2e tier's provisioner leaves its DAOs' workloads running: they go with the stacks.
        await stopEverything(e2eCtx);
        await reportLeftovers(e2eCtx.settings.stackDir, mark(Math.max(0, runs.findIndex((t) => t.includes('e2e')))));
      }
      process.stdout.write(`\n${slowest.map((l) => `slowest: ${l}\n`).join('')}${failures.map((f) => `failed: ${f}\n`).join('')}${passed} passed, ${failed} failed\n`);
      process.exitCode = failed === 0 ? 0 : 1;
    });
}
