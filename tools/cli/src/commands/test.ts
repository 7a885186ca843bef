import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { install, portSettingsEnv, status, type StackContext } from '@datawell/stack';
import { REPO_DIR, stackContext } from '../context';
import { stopEverything } from '../services/stop-all';
import { UsageError } from '../usage-error';

const TIERS = ['unit', 'integration', 'e2e'] as const;

function runStep(cmd: string, args: string[], env: Record<string, string> = {}, stdout: 'inherit' | 'ignore' = 'inherit'): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: REPO_DIR, stdio: ['ignore', stdout, 'inherit'], env: { ...process.env, ...env } });
    child.on('close', (code) => resolve(code ?? 1));
    child.on('error', () => resolve(1));
  });
}

const bin = (name: string) => join(REPO_DIR, 'node_modules', '.bin', name);

/**
 * The e2e tier's own stack when the run started its stack itself: a sibling folder on the same
 * ports, so the whole life cycles start from a fresh network, not beside the integration tier's
 * thirty-odd organisations, peers and domains (their idle load slowed every e2e file). The
 * integration stack is stopped first and its folder (and logs) kept.
 */
function e2eStackEnv(ctx: StackContext): Record<string, string> {
  return { ...portSettingsEnv(ctx.settings), DATAWELL_STACK_DIR: `${ctx.settings.stackDir}-e2e`, DATAWELL_ORDERERS: String(ctx.settings.orderers) };
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
    .argument('[patterns...]', 'only test files whose path matches these patterns')
    .action(async (patterns: string[], opts: { tier?: string; checks: boolean }) => {
      if (opts.tier && !(TIERS as readonly string[]).includes(opts.tier)) throw new UsageError(`--tier must be one of ${TIERS.join(', ')}, got "${opts.tier}"`);
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
      if (opts.checks) {
        process.stderr.write('test: type check (tsc --noEmit)\n');
        // The console's page code has its own settings (DOM, JSX, bundler resolution).
        count((await runStep(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'])) === 0 && (await runStep(bin('tsc'), ['-p', 'apps/console/tsconfig.json', '--noEmit'])) === 0, 'type check');
        process.stderr.write('test: lint (eslint with module boundaries)\n');
        // The boundaries rule reads Nx's project graph and silently skips itself when none is cached
        // (a fresh clone): compute it first.
        const graph = await runStep(bin('nx'), ['show', 'projects'], { NX_DAEMON: 'false' }, 'ignore');
        count(graph === 0 && (await runStep(bin('eslint'), ['apps', 'libs', 'services', 'tools', 'chaincode', 'bench'])) === 0, 'lint');
      }
      const ctx = stackContext();
      const needsStack = opts.tier !== 'unit';
      if (needsStack) await install(ctx);
      const stackWasUp = needsStack && (await status(ctx)).healthy;
      const dir = mkdtempSync(join(tmpdir(), 'datawell-test-'));
      // Unit and integration tests run in parallel; the e2e tier runs the services as processes on
      // their default ports and consumer groups, so it runs afterwards, one file at a time.
      const runs = opts.tier ? [[opts.tier]] : [['unit', 'integration'], ['e2e']];
      const ownStacks = runs.length > 1 && needsStack && !stackWasUp && !process.env['DATAWELL_KEEP_STACK'];
      let tierEnv: Record<string, string> = {};
      let last = ctx;
      for (const [i, tiers] of runs.entries()) {
        if (ownStacks && tiers.includes('e2e')) {
          tierEnv = e2eStackEnv(ctx);
          last = stackContext({}, tierEnv);
          process.stderr.write(`test: the e2e tier on a fresh stack in ${last.settings.stackDir} (the integration tier's stopped, kept in ${ctx.settings.stackDir})\n`);
          await stopEverything(ctx);
          // A folder left by an earlier run: whatever it still runs is stopped before it is removed.
          if (existsSync(last.settings.stackDir)) {
            await stopEverything(last).catch(() => undefined);
            rmSync(last.settings.stackDir, { recursive: true, force: true });
          }
        }
        const summary = join(dir, `summary-${i}.json`);
        const serial = tiers.includes('e2e') ? ['--runInBand'] : ['--maxWorkers=2'];
        // --forceExit: a test that timed out never ran its cleanup, and the Kafka clients and pools it
        // left open must not keep jest (and CI) waiting for ever; the summary counts its failure.
        const args = ['--selectProjects', ...tiers, ...(process.env['CI'] ? ['--ci'] : []), ...serial, '--forceExit', ...(patterns.length ? ['--passWithNoTests', '--testPathPatterns', ...patterns] : [])];
        // A stack that was up before serves every run; one this run started is stopped at the end.
        const code = await runStep(bin('jest'), args, { ...tierEnv, DATAWELL_TEST_SUMMARY_FILE: summary, ...(runs.length > 1 ? { DATAWELL_KEEP_STACK: '1' } : {}) });
        if (existsSync(summary)) {
          const s = JSON.parse(readFileSync(summary, 'utf8')) as { passed: number; failed: number; failures?: string[]; slowest?: Array<{ file: string; seconds: number }> };
          if (s.slowest?.length) slowest.push(`${tiers.join('+')}: ${s.slowest.map((f) => `${f.file} ${f.seconds} s`).join(', ')}`);
          passed += s.passed;
          failed += s.failed;
          failures.push(...(s.failures ?? []).map((f) => `${tiers.join('+')}: ${f}`));
          // Jest can fail after its tests (global teardown, open handles): that is a failure too.
          if (code !== 0 && s.failed === 0) {
            failed++;
            failures.push(`${tiers.join('+')}: jest exited ${code} after its tests passed (global teardown, open handles)`);
          }
        } else {
          process.stderr.write(`test: jest ended (exit ${code}) before reporting results (a failed global setup?)\n`);
          failed++;
          failures.push(`${tiers.join('+')}: jest ended (exit ${code}) before reporting results (a failed global setup?)`);
        }
      }
      rmSync(dir, { recursive: true, force: true });
      if (ownStacks) {
        // The e2e tier's provisioner leaves its DAOs' workloads running: they go with the stack.
        await stopEverything(last);
      }
      process.stdout.write(`\n${slowest.map((l) => `slowest: ${l}\n`).join('')}${failures.map((f) => `failed: ${f}\n`).join('')}${passed} passed, ${failed} failed\n`);
      process.exitCode = failed === 0 ? 0 : 1;
    });
}
