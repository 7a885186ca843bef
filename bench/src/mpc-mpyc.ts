import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The reference: MPyC (PyPI `mpyc`) in its own virtual environment under
 * ~/.cache/datawell/mpyc-venv, three parties as three processes on loopback, secure fixed point
 * (SecFxp(64)) with numpy arrays. MPyC's default is Shamir sharing with an honest majority and
 * passive security, a cheaper model than ours (active, dishonest majority): see docs/mpc.md.
 */
export const MPYC_VERSION = '0.11';
const NUMPY_VERSION = '2.4.0';
/** MPyC's fast path for big-integer arithmetic: without it MPyC runs slower and says so on import. */
const GMPY2_VERSION = '2.2.1';

const SCRIPT = `
import os, sys, time, json
import numpy as np
from mpyc.runtime import mpc

N = int(os.environ['DW_N'])

async def main():
    secfxp = mpc.SecFxp(64)
    await mpc.start()
    rng = np.random.default_rng(1)
    xs, ys, zs = (rng.uniform(-10, 10, N) for _ in range(3))
    await mpc.barrier('warm')
    t0 = time.perf_counter()
    x = mpc.input(secfxp.array(xs if mpc.pid == 0 else np.zeros(N), integral=False), senders=0)
    y = mpc.input(secfxp.array(ys if mpc.pid == 0 else np.zeros(N), integral=False), senders=0)
    d = await mpc.output(x @ y)
    t1 = time.perf_counter()
    await mpc.barrier('between')
    t2 = time.perf_counter()
    z = mpc.input(secfxp.array(zs if mpc.pid == 0 else np.zeros(N), integral=False), senders=0)
    mean = mpc.np_sum(z) / N
    var = (z @ z) / N - mean * mean
    m, v = await mpc.output([mean, var])
    t3 = time.perf_counter()
    await mpc.shutdown()
    if mpc.pid == 0:
        print(json.dumps({'dotSeconds': t1 - t0, 'meanVarianceSeconds': t3 - t2,
                          'dotError': abs(float(d) - float(xs @ ys)), 'meanError': abs(float(m) - float(zs.mean())),
                          'varianceError': abs(float(v) - float(zs.var())),
                          'dotRelativeError': abs(float(d) - float(xs @ ys)) / abs(float(xs @ ys)),
                          'meanRelativeError': abs(float(m) - float(zs.mean())) / abs(float(zs.mean())),
                          'varianceRelativeError': abs(float(v) - float(zs.var())) / float(zs.var())}))

mpc.run(main())
`;

export interface MpycResult {
  readonly version: string;
  readonly gmpy2: string;
  readonly parties: number;
  readonly n: number;
  readonly dotSeconds: number;
  readonly meanVarianceSeconds: number;
  readonly dotError: number;
  readonly meanError: number;
  readonly varianceError: number;
  readonly dotRelativeError: number;
  readonly meanRelativeError: number;
  readonly varianceRelativeError: number;
}

function cacheDir(): string {
  return join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'datawell');
}

/** Creates the venv and installs MPyC, gmpy2 and numpy once (pinned); returns the venv's python. */
export function ensureMpyc(log: (line: string) => void): string {
  const venv = join(cacheDir(), 'mpyc-venv');
  const python = join(venv, 'bin', 'python');
  // MPyC prints advice on stdout when it imports (e.g. "Install package gmpy2 for better
  // performance."), so the version is read from a marked line, not from the whole output; gmpy2
  // must be importable too, so that MPyC runs at its best.
  const ok = () => {
    try {
      const out = execFileSync(python, ['-c', "import gmpy2, mpyc, numpy; print('mpyc-version=' + mpyc.__version__)"], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      return /^mpyc-version=(.*)$/m.exec(out)?.[1]?.trim() === MPYC_VERSION;
    } catch {
      return false;
    }
  };
  if (existsSync(python) && ok()) return python;
  mkdirSync(cacheDir(), { recursive: true });
  log(`installing mpyc ${MPYC_VERSION} and gmpy2 ${GMPY2_VERSION} into ${venv}`);
  if (!existsSync(python)) execFileSync('python3', ['-m', 'venv', venv], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `mpyc==${MPYC_VERSION}`, `gmpy2==${GMPY2_VERSION}`, `numpy>=${NUMPY_VERSION}`], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (!ok()) throw new Error(`mpyc ${MPYC_VERSION} with gmpy2 did not install into ${venv}`);
  return python;
}

/** Runs the MPyC task with `parties` local processes; resolves with party 0's report. */
export async function runMpyc(python: string, n: number, parties = 3): Promise<MpycResult> {
  const script = join(cacheDir(), 'mpyc-task.py');
  writeFileSync(script, SCRIPT);
  const base = 11000 + Math.floor(Math.random() * 20000);
  const runs = Array.from({ length: parties }, (_, i) =>
    new Promise<string>((done, fail) => {
      const child = spawn(python, [script, `-M${parties}`, `-I${i}`, '--base-port', String(base)], {
        env: { ...process.env, DW_N: String(n) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (code === 0) done(out);
        else fail(new Error(`mpyc party ${i} exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
      });
    }),
  );
  const outs = await Promise.all(runs);
  const line = outs[0]!.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error('mpyc printed no result');
  return { version: MPYC_VERSION, gmpy2: GMPY2_VERSION, parties, n, ...(JSON.parse(line) as Omit<MpycResult, 'version' | 'gmpy2' | 'parties' | 'n'>) };
}
