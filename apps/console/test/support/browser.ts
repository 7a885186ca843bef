import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { aptInstall, stderrProgress } from '@datawell/stack';

/** Debian's chromium: Playwright's own browser download cannot reach its host here. */
export const CHROMIUM = '/usr/bin/chromium';

export async function ensureChromium(): Promise<void> {
  if (!existsSync(CHROMIUM)) await aptInstall(stderrProgress, ['chromium'], () => existsSync(CHROMIUM));
}

/**
 * Headless chromium with a fresh profile (its own --user-data-dir, removed on close), quiet on the
 * network (no updates, sync or QUIC). Each page is its own tab: its own sessionStorage.
 */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  await ensureChromium();
  const profile = mkdtempSync(join(tmpdir(), 'console-chromium-'));
  // Playwright passes the profile folder as --user-data-dir itself.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Headless chromium for tests that need several people at once: each `newContext()` is its own
 * browser context (cookies, storage and cache of its own), as two people on two machines.
 */
export async function launchBrowser(): Promise<Browser> {
  await ensureChromium();
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** axe-core injected into the page: the serious and critical violations of WCAG 2.x A/AA rules. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: AXE });
  // A string, evaluated in the page: axe is the page's global there.
  const violations = await page.evaluate<AxeViolation[]>(`(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => JSON.stringify(n.target)) }));
  })()`);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Scans a page with axe once every transition has ended (mid-fade text fails the contrast rule). */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  await page.waitForFunction("document.getAnimations().every((a) => a.playState !== 'running')");
  const violations = await seriousViolations(page);
  expect({ page: what, violations }).toEqual({ page: what, violations: [] });
}

/** Playwright's web-first assertions without @playwright/test: poll until the locator's state holds. */
export function see(locator: Locator, timeoutMs = 30_000) {
  const poll = async (what: string, check: () => Promise<boolean>, describe: () => Promise<string>) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check().catch(() => false))) {
      // The locator in the message (its selector): a CI log that shows one line says which element.
      if (Date.now() > deadline) throw new Error(`${what}: still ${await describe().catch((e: unknown) => String(e))} after ${timeoutMs / 1000} s: ${String(locator)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return {
    toBeVisible: () => poll('toBeVisible', () => locator.isVisible(), async () => 'not visible'),
    toHaveCount: (n: number) => poll(`toHaveCount(${n})`, async () => (await locator.count()) === n, async () => `${await locator.count()}`),
    toHaveText: (text: string) => poll(`toHaveText(${JSON.stringify(text)})`, async () => (await locator.first().innerText()).trim() === text, async () => JSON.stringify(await locator.first().innerText())),
    toContainText: (text: string) => poll(`toContainText(${JSON.stringify(text)})`, async () => (await locator.first().innerText()).includes(text), async () => JSON.stringify(await locator.first().innerText())),
    toHaveAttribute: (name: string, value: string) => poll(`toHaveAttribute(${name}, ${JSON.stringify(value)})`, async () => (await locator.first().getAttribute(name)) === value, async () => JSON.stringify(await locator.first().getAttribute(name))),
  };
}
