import type { Command } from 'commander';
import { MpcError, runMpcDemo, type DemoReport } from '@datawell/mpc';
import { UsageError } from '../usage-error';

function integer(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${value}'`);
  }
  return n;
}

function printText(r: DemoReport): void {
  const line = (label: string, got: number, want: number) =>
    `  ${label.padEnd(10)} ${got.toFixed(6).padStart(14)}   reference ${want.toFixed(6).padStart(14)}\n`;
  process.stdout.write(
    `MPC demo: ${r.parties} parties (${r.transport}), ${r.rows} readings from party ${r.owner}, results to party ${r.recipient}\n` +
      `  offline (MASCOT): ${r.preprocessing.triples} triples in ${r.preprocessing.triplesMs} ms (set-up ${r.preprocessing.setupMs} ms); online ${r.onlineMs} ms\n` +
      line('mean', r.results.mean, r.reference.mean) +
      line('variance', r.results.variance, r.reference.variance) +
      line('intercept', r.results.regression.intercept, r.reference.regression.intercept) +
      line('slope', r.results.regression.slope, r.reference.regression.slope) +
      `  max |error| ${r.maxAbsError.toExponential(2)} (tolerance ${r.tolerance}): ${r.agree ? 'agree' : 'DISAGREE'}\n`,
  );
}

export function registerMpcCommands(program: Command): void {
  const mpc = program.command('mpc').description('secure multi-party computation: SPDZ online phase over MASCOT preprocessing');

  mpc
    .command('demo')
    .description('one data owner, a dataset of readings; mean, variance and a least-squares line computed on secret shares, checked against plaintext')
    .option('--parties <n>', 'number of parties (2–10)', '3')
    .option('--rows <n>', 'number of readings (3–1,000,000)', '10000')
    .option('--json', 'print one JSON object')
    .action(async (opts: { parties: string; rows: string; json?: boolean }) => {
      const parties = integer('parties', opts.parties, 2, 10);
      const rows = integer('rows', opts.rows, 3, 1_000_000);
      let report: DemoReport;
      try {
        report = await runMpcDemo({ parties, rows });
      } catch (err) {
        if (err instanceof MpcError && err.code === 'INVALID_ARGUMENT') throw new UsageError(err.message);
        throw err;
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else printText(report);
      if (!report.agree) throw new Error(`secure results differ from the plaintext reference by ${report.maxAbsError}`);
    });
}
