import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  MpcError, demoJob, demoReport, generateTestPki, runMpcDemo, type DemoJob, type DemoNodeResult, type DemoReport,
} from '@datawell/mpc';
import { REPO_DIR } from '../repo-dir';
import { UsageError } from '../usage-error';

const NODE_MAIN = 'workloads/mpc-node/src/main.ts';

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((done) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => done(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  return ports;
}

/** Starts one MPC node process per party on loopback (mutual TLS with a throw-away CA) and collects their results. */
async function runNodeProcesses(parties: number, job: DemoJob): Promise<DemoNodeResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'datawell-mpc-demo-'));
  try {
    const pki = await generateTestPki(parties);
    writeFileSync(join(dir, 'ca.pem'), pki.caCert);
    pki.identities.forEach((id, i) => {
      writeFileSync(join(dir, `node-${i}.key`), id.key, { mode: 0o600 });
      writeFileSync(join(dir, `node-${i}.pem`), id.cert);
    });
    const ports = await freePorts(parties);
    const env = {
      MPC_NODE_NAMES: pki.names.join(','),
      MPC_NODE_ENDPOINTS: ports.map((p) => `127.0.0.1:${p}`).join(','),
      MPC_NODE_TLS_CA_FILE: join(dir, 'ca.pem'),
      MPC_NODE_JOB: JSON.stringify({ program: 'demo-statistics', ...job }),
    };
    const runs = Array.from({ length: parties }, (_, i) =>
      new Promise<DemoNodeResult>((done, fail) => {
        const child = spawn(process.execPath, ['-r', '@swc-node/register', NODE_MAIN], {
          cwd: REPO_DIR,
          env: { ...process.env, ...env, MPC_NODE_INDEX: String(i), MPC_NODE_TLS_KEY_FILE: join(dir, `node-${i}.key`), MPC_NODE_TLS_CERT_FILE: join(dir, `node-${i}.pem`) },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('error', fail);
        child.on('exit', (code) => {
          if (code === 0) done(JSON.parse(out.trim().split('\n').pop()!) as DemoNodeResult);
          else fail(new Error(err.trim().split('\n').pop() ?? `mpc node ${i} exited with ${code}`));
        });
      }),
    );
    return await Promise.all(runs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

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
    .description('MPC nodes on loopback (mutual TLS): one data owner\'s readings; mean, variance and a least-squares line computed on secret shares, checked against plaintext')
    .option('--parties <n>', 'number of parties (2–10)', '3')
    .option('--rows <n>', 'number of readings (3–1,000,000)', '10000')
    .option('--in-process', 'run every party in this process over in-memory channels instead of one TLS node process per party')
    .option('--json', 'print one JSON object')
    .action(async (opts: { parties: string; rows: string; json?: boolean; inProcess?: boolean }) => {
      const parties = integer('parties', opts.parties, 2, 10);
      const rows = integer('rows', opts.rows, 3, 1_000_000);
      let report: DemoReport;
      try {
        if (opts.inProcess) {
          report = await runMpcDemo({ parties, rows });
        } else {
          const job = demoJob({ parties, rows });
          report = demoReport(parties, job, 'tls, one node process per party on loopback', await runNodeProcesses(parties, job));
        }
      } catch (err) {
        if (err instanceof MpcError && err.code === 'INVALID_ARGUMENT') throw new UsageError(err.message);
        throw err;
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else printText(report);
      if (!report.agree) throw new Error(`secure results differ from the plaintext reference by ${report.maxAbsError}`);
    });
}
