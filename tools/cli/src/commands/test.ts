import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { install } from '@datawell/stack';
import { REPO_DIR, stackContext } from '../context';
import { UsageError } from '../usage-error';

const TIERS = ['unit', 'integration'] as const;

function runStep(cmd: string, args: string[], env: Record<string, string> = {}, stdout: 'inherit' | 'ignore' = 'inherit'): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: REPO_DIR, stdio: ['ignore', stdout, 'inherit'], env: { ...process.env, ...env } });
    child.on('close', (code) => resolve(code ?? 1));
    child.on('error', () => resolve(1));
  });
}

const bin = (name: string) => join(REPO_DIR, 'node_modules', '.bin', name);

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
      const count = (ok: boolean) => (ok ? passed++ : failed++);
      if (opts.checks) {
        process.stderr.write('test: type check (tsc --noEmit)\n');
        count((await runStep(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'])) === 0);
        process.stderr.write('test: lint (eslint with module boundaries)\n');
        // The boundaries rule reads Nx's project graph and silently skips itself when none is cached
        // (a fresh clone): compute it first.
        const graph = await runStep(bin('nx'), ['show', 'projects'], { NX_DAEMON: 'false' }, 'ignore');
        count(graph === 0 && (await runStep(bin('eslint'), ['libs', 'services', 'tools', 'chaincode', 'bench'])) === 0);
      }
      const needsStack = opts.tier !== 'unit';
      if (needsStack) await install(stackContext());
      const dir = mkdtempSync(join(tmpdir(), 'datawell-test-'));
      const summary = join(dir, 'summary.json');
      const tiers = opts.tier ? [opts.tier] : [...TIERS];
      const args = ['--selectProjects', ...tiers, ...(process.env['CI'] ? ['--ci'] : []), '--maxWorkers=2', ...(patterns.length ? ['--testPathPatterns', ...patterns] : [])];
      const code = await runStep(bin('jest'), args, { DATAWELL_TEST_SUMMARY_FILE: summary });
      if (existsSync(summary)) {
        const s = JSON.parse(readFileSync(summary, 'utf8')) as { passed: number; failed: number };
        passed += s.passed;
        failed += s.failed;
        // Jest can fail after its tests (global teardown, open handles): that is a failure too.
        if (code !== 0 && s.failed === 0) failed++;
      } else {
        process.stderr.write(`test: jest ended (exit ${code}) before reporting results (a failed global setup?)\n`);
        failed++;
      }
      rmSync(dir, { recursive: true, force: true });
      process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
      process.exitCode = failed === 0 ? 0 : 1;
    });
}
