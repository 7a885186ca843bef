import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { simulate } from '@datawell/domain';

// End to end: the real CLI in a child process, as `./dev economics …` runs it.
const ROOT = resolve(__dirname, '..', '..', '..', '..');
jest.setTimeout(60_000);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['tools/cli/launch.js', 'economics', ...args],
      { cwd: ROOT, env: { ...process.env, DEBUG: '' } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

function json(r: Run): unknown {
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout.trim().split('\n')).toHaveLength(1);
  return JSON.parse(r.stdout);
}

describe('economics split', () => {
  // By hand: J_3 = 10% of 1,000,000; J_2 = 25% of 900,000; J_1 = 20% of 675,000; D = 540,000.
  test.concurrent('splits the worked example level by level', async () => {
    const out = json(await run('split', '--total', '1000000', '--betas', '0.8,0.75,0.9', '--json'));
    expect(out).toEqual({ dsp: 540000, vsps: [135000, 225000, 100000], lumps: [675000, 900000, 1000000] });
  });

  test.concurrent('gives an ended member nothing: its lump goes down whole', async () => {
    const out = json(await run('split', '--total', '1000000', '--betas', '0.8,0.75,0.9', '--ended', '2', '--json'));
    expect(out).toEqual({ dsp: 720000, vsps: [180000, 0, 100000], lumps: [900000, 900000, 1000000] });
  });

  test.concurrent('prints integers above 2^53 as strings', async () => {
    const out = json(await run('split', '--total', '100000000000000000001', '--betas', '0.5', '--json'));
    // 10^20 + 1: J_1 = floor(half) = 5·10^19, D keeps the odd unit.
    expect(out).toEqual({ dsp: '50000000000000000001', vsps: ['50000000000000000000'], lumps: ['100000000000000000001'] });
  });

  test.concurrent('prints a readable table without --json', async () => {
    const r = await run('split', '--total', '1000000', '--betas', '0.8,0.75,0.9', '--ended', '2');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^DSP\s+720,000$/m);
    expect(r.stdout).toMatch(/^VSP_2 \(ended\)\s+0\.750000\s+900,000\s+0$/m);
    expect(r.stdout).toMatch(/^total\s+1,000,000$/m);
  });
});

describe('economics betas', () => {
  // P_0 = 0.5, P_1 = 0.8, P_2 = 1: β_1 = 0.5/0.8, β_2 = 0.8/1.
  test.concurrent('inverts target shares, six decimals each', async () => {
    const r = await run('betas', '--shares', '0.5,0.3,0.2', '--json');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('{"betas":[0.625000,0.800000]}\n');
    expect(json(r)).toEqual({ betas: [0.625, 0.8] });
  });

  test.concurrent('round-trips the split example: shares 54/13.5/22.5/10 give 0.8, 0.75, 0.9', async () => {
    const out = json(await run('betas', '--shares', '0.54,0.135,0.225,0.1', '--json'));
    expect(out).toEqual({ betas: [0.8, 0.75, 0.9] });
  });
});

describe('economics simulate', () => {
  test.concurrent('uniform: prints what the library computes for the same seed', async () => {
    const out = json(
      await run('simulate', '--mode', 'uniform', '--vsps', '7', '--low', '0.7', '--high', '0.99', '--trials', '5000', '--seed', '1', '--json'),
    );
    const lib = simulate({ mode: 'uniform', vsps: 7, lowPpm: 700_000, highPpm: 990_000, trials: 5000, seed: 1 });
    expect(out).toEqual({ dspTopProbability: lib.dspTopProbability, meanOwnership: lib.meanOwnership, gini: lib.gini });
    const o = out as { meanOwnership: number[]; dspTopProbability: number; gini: number };
    expect(o.meanOwnership).toHaveLength(8);
    expect(o.meanOwnership.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });

  test.concurrent('pareto: the DSP always holds the largest share, and --chart writes an SVG', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'economics-'));
    try {
      const chart = join(dir, 'pareto.svg');
      const out = json(await run('simulate', '--mode', 'pareto', '--vsps', '7', '--trials', '3000', '--seed', '2', '--chart', chart, '--json'));
      expect((out as { dspTopProbability: number }).dspTopProbability).toBe(1);
      const svg = readFileSync(chart, 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      for (const member of ['DSP', 'VSP_1', 'VSP_7']) expect(svg).toContain(`>${member}<`);
      // One line per member: Vega draws each line as a path with role-mark "line".
      expect(svg.match(/<path[^>]*aria-roledescription="line mark"/g)?.length).toBe(8);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('economics threshold', () => {
  test.concurrent('finds the smallest low on the 0.01 grid, near the paper\'s 70%', async () => {
    const out = json(await run('threshold', '--vsps', '7', '--target', '0.95', '--trials', '5000', '--json')) as {
      low: number;
      dspTopProbability: number;
    };
    expect(out.low).toBeGreaterThanOrEqual(0.65);
    expect(out.low).toBeLessThanOrEqual(0.75);
    const at = (low: number) =>
      simulate({ mode: 'uniform', vsps: 7, lowPpm: Math.round(low * 1e6), highPpm: 990_000, trials: 5000, seed: 1 }).dspTopProbability;
    expect(at(out.low)).toBe(out.dspTopProbability);
    expect(out.dspTopProbability).toBeGreaterThanOrEqual(0.95);
    expect(at(out.low - 0.01)).toBeLessThan(0.95);
  });
});

describe('bad input: exit 2 and one line on stderr', () => {
  test.concurrent.each([
    [['split', '--total', '1000', '--betas', '0.8,1.2'], '--betas[2] = 1.2 is outside (0, 1)'],
    [['split', '--total', '1000', '--betas', '0,0.5'], '--betas[1] = 0 is outside (0, 1)'],
    [['split', '--total', '1000', '--betas', '0.1234567'], 'more than 6 decimals'],
    [['split', '--total', '-5', '--betas', '0.5'], '--total = -5 is negative'],
    [['split', '--total', '1.5', '--betas', '0.5'], 'not a whole number'],
    [['split', '--total', '1000', '--betas', '0.5', '--ended', '2'], 'ended member 2 is not a VSP level'],
    [['split', '--total', '1000', '--betas', '0.5', '--bogus'], "unknown option '--bogus'"],
    [['split', '--total', '1000'], "required option '--betas <list>' not specified"],
    [['betas', '--shares', '0.5,0.3,0.1'], '--shares sum to 0.900000, not 1'],
    [['betas', '--shares', '0.5,0.5,0'], '--shares[2] = 0 is outside (0, 1)'],
    [['simulate', '--mode', 'normal'], "argument 'normal' is invalid"],
    [['simulate', '--mode', 'uniform', '--alpha', '2'], '--alpha applies only to --mode pareto'],
    [['simulate', '--mode', 'pareto', '--low', '0.5'], '--low and --high apply only to --mode uniform'],
    [['simulate', '--mode', 'uniform', '--low', '0.9', '--high', '0.8'], 'low (0.9) is above high (0.8)'],
    [['simulate', '--mode', 'uniform', '--vsps', '0'], '--vsps = 0 is outside'],
    [['simulate', '--mode', 'pareto', '--alpha', '-1'], '--alpha'],
    [['threshold', '--target', '1.5'], '--target = 1.5 is outside (0, 1]'],
  ])('%j', async (args, message) => {
    const r = await run(...args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(message);
    expect(lines[0]?.startsWith('dev: ')).toBe(true);
  });
});
