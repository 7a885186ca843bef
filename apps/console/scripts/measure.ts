import { readdirSync, readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launchChromium } from '../test/support/browser';
import { buildConsole, DIST_DIR } from '../server/build';

/**
 * The console's numbers for docs/console.md: the bundle's size (raw and gzip, what the catalogue
 * loads first and everything), and the time to first render of the catalogue (navigation start to
 * its result count on screen, fresh tab, median of runs) against a served console:
 * `node -r @swc-node/register apps/console/scripts/measure.ts [http://127.0.0.1:4200] [runs]`.
 */
async function main(): Promise<void> {
  const url = process.argv[2] ?? 'http://127.0.0.1:4200';
  const runs = Number(process.argv[3] ?? 7);
  await buildConsole();
  const index = readFileSync(join(DIST_DIR, 'index.html'), 'utf8');
  const assets = readdirSync(join(DIST_DIR, 'assets')).map((f) => join('assets', f));
  const size = (files: string[]) => files.reduce((s, f) => ({ raw: s.raw + statSync(join(DIST_DIR, f)).size, gzip: s.gzip + gzipSync(readFileSync(join(DIST_DIR, f)), { level: 9 }).length }), { raw: 0, gzip: 0 });
  // What index.html itself pulls in (the entry script, its preloaded chunks and the stylesheet).
  const first = ['index.html', ...assets.filter((a) => index.includes(a))];
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const f = size(first);
  const all = size(['index.html', ...assets]);
  process.stdout.write(`bundle: first load ${kb(f.raw)} (${kb(f.gzip)} gzip) in ${first.length} files; all ${kb(all.raw)} (${kb(all.gzip)} gzip) in ${assets.length + 1} files\n`);

  const { context, close } = await launchChromium();
  const times: Array<{ render: number; fcp: number }> = [];
  try {
    for (let i = 0; i < runs; i++) {
      // A fresh tab and an empty cache each time: a first visit.
      await context.clearCookies();
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.clearBrowserCache');
      await page.goto(url);
      await page.getByTestId('result-count').waitFor({ timeout: 60_000 });
      const render = await page.evaluate<number>('performance.now()');
      const fcp = await page.evaluate<number>("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN");
      times.push({ render, fcp });
      await page.close();
    }
  } finally {
    await close();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  process.stdout.write(
    `catalogue first render: median ${Math.round(median(times.map((t) => t.render)))} ms (runs ${times.map((t) => Math.round(t.render)).join(', ')}), ` +
      `first contentful paint median ${Math.round(median(times.map((t) => t.fcp)))} ms; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${url}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`measure: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
