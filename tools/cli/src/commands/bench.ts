import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { Command } from 'commander';

const REPO_DIR = resolve(__dirname, '..', '..', '..', '..');

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
}
