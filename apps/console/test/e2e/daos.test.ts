import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadSettings, stderrProgress, type StackContext } from '@datawell/stack';
import { login, type DomainFormationResult, type DomainMember } from '@datawell/testing';
import type { Browser, Page } from 'playwright-core';
import { clientSource, CLIENTS, fetchDocument } from '../../scripts/clients';
import { buildConsole } from '../../server/build';
import type { ConsoleServer } from '../../server/serve';
import { expectAccessible, launchBrowser, see } from '../support/browser';
import { domainMember, formDomainsDao, memberConsole } from '../support/scenario';

/**
 * "My DAOs" in Debian's chromium against the stack's running services and member domains: a DAO
 * formed among trust domains as `./dev scenario domains` forms it (a DSP and a VSP found version 1,
 * a second VSP joins as version 2, the DSP records revenue through its own bridge). Each member's
 * console is served with its OWN domain's member-mode ledger bridge behind it; what the DAO page shows
 * (channels, β, each member's ownership and entitlement) is compared with what that bridge answers.
 */
jest.setTimeout(900_000);

const SHOTS = process.env['CONSOLE_SCREENSHOTS_DIR'];
const REPO = resolve(__dirname, '..', '..', '..', '..');
const ctx: StackContext = { settings: loadSettings(REPO, process.env), progress: stderrProgress };
let formed: DomainFormationResult;
let dsp: DomainMember;
let joiner: DomainMember;
let browser: Browser;
const servers: ConsoleServer[] = [];

let stopScenario: (() => Promise<void>) | undefined;

beforeAll(async () => {
  await buildConsole();
  // As a person forms one: the CLI's scenario on this stack.
  const scenario = await formDomainsDao(['--vsps', '1', '--join', '1', '--org-prefix', 'Cn', '--revenue', '1000000']);
  formed = scenario.formed;
  stopScenario = scenario.stop;
  dsp = await memberOf('CnDspMSP', 'DSP');
  joiner = await memberOf('CnVsp2MSP', 'VSP');
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  for (const s of servers) await s.close();
  await stopScenario?.();
});

const memberOf = (mspId: string, role: 'DSP' | 'VSP') => domainMember(ctx, mspId, role);

/** A console of the member's own domain, stopped after the tests. */
async function consoleOf(m: DomainMember): Promise<ConsoleServer> {
  const server = await memberConsole(ctx, m);
  servers.push(server);
  return server;
}

/** What the member's own bridge answers it, with its own token there. */
async function bridge(m: DomainMember, path: string): Promise<{ status: number; body: unknown }> {
  const token = await login(m.bridgeUrl, m.identity);
  const response = await fetch(`${m.bridgeUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json() };
}

/** ppm as the page should print it, written here independently of the page's own formatting. */
const pct = (ppm: number) => `${Number((ppm / 10_000).toFixed(4))} %`;

async function signIn(page: Page, base: string, m: DomainMember): Promise<void> {
  await page.goto(`${base}/sign-in`);
  await page.getByRole('textbox', { name: 'Certificate (PEM)' }).fill(m.identity.certificatePem);
  await page.getByRole('textbox', { name: 'Private key (PKCS#8 PEM)' }).fill(m.identity.privateKeyPem);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await see(page.getByTestId('signed-in-as')).toHaveText(`${m.identity.enrollmentId}@${m.mspId}`);
}

/** The page's version section against GetVersion and GetEntitlements as the member's bridge answers them. */
async function expectVersionAsBridge(page: Page, m: DomainMember, daoId: string, version: number): Promise<{ members: string[]; amounts: Record<string, string> }> {
  const state = await bridge(m, `/daos/${daoId}/versions/${version}/state`);
  const ents = await bridge(m, `/daos/${daoId}/versions/${version}/entitlements`);
  expect([state.status, ents.status]).toEqual([200, 200]);
  const s = state.body as { channel: string; betaPpm: number; memberStates: Array<{ mspId: string; ownershipPpm: number }> };
  const e = ents.body as Array<{ mspId: string; amount: string }>;
  const section = page.getByTestId(`version-${version}`);
  await see(section.getByTestId('channel')).toHaveText(s.channel);
  await see(section.getByTestId('beta')).toHaveText(pct(s.betaPpm));
  const rows = section.getByTestId('member-row');
  await see(rows).toHaveCount(s.memberStates.length);
  const amounts: Record<string, string> = {};
  for (const ms of s.memberStates) {
    const row = section.locator(`[data-testid="member-row"][data-msp="${ms.mspId}"]`);
    await see(row.getByTestId('ownership')).toHaveText(pct(ms.ownershipPpm));
    const amount = e.find((x) => x.mspId === ms.mspId)?.amount ?? '0';
    await see(row.getByTestId('entitlement')).toHaveText(amount);
    amounts[ms.mspId] = amount;
  }
  await see(section.getByTestId('my-entitlement')).toContainText(e.find((x) => x.mspId === m.mspId)?.amount ?? '0');
  return { members: s.memberStates.map((x) => x.mspId), amounts };
}

describe('my DAOs, read through the member’s own ledger bridge', () => {
  it('lists the DSP’s DAO and shows both versions as its bridge reports them', async () => {
    const { daoId } = formed;
    const base = (await consoleOf(dsp)).url;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(30_000);
    const bodies: string[] = [];
    page.on('request', (r) => bodies.push(r.postData() ?? ''));
    await signIn(page, base, dsp);

    // The navigation link, then the DAO reached with the keyboard alone.
    await page.getByRole('link', { name: 'My DAOs' }).click();
    await see(page.getByRole('heading', { name: 'My DAOs' })).toBeVisible();
    const link = page.getByTestId('daos').getByRole('link', { name: daoId });
    await see(link).toBeVisible();
    await see(page.getByTestId('daos').getByTestId('dao-row').filter({ hasText: daoId })).toContainText('v1, v2');
    // The pointer off the navigation (a hovered link is not what axe is asked about).
    await page.mouse.move(1200, 880);
    await expectAccessible(page, 'my DAOs');
    await link.focus();
    await page.keyboard.press('Enter');
    await see(page.getByRole('heading', { name: `DAO ${daoId}` })).toBeVisible();

    const v1 = await expectVersionAsBridge(page, dsp, daoId, 1);
    const v2 = await expectVersionAsBridge(page, dsp, daoId, 2);
    // …and what the scenario formed: the channels and members of each version, the revenue's split.
    expect(formed.versions.map((v) => v.channel)).toEqual([`dao-${daoId}-v1`, `dao-${daoId}-v2`]);
    expect([v1.members, v2.members]).toEqual(formed.versions.map((v) => v.members));
    const summed: Record<string, string> = {};
    for (const [msp, a] of [...Object.entries(v1.amounts), ...Object.entries(v2.amounts)]) summed[msp] = (BigInt(summed[msp] ?? '0') + BigInt(a)).toString();
    expect(summed).toEqual(formed.payouts);
    await expectAccessible(page, 'a DAO');
    if (SHOTS) await page.screenshot({ path: join(SHOTS, 'console-dao.png'), fullPage: true });
    expect(bodies.filter((b) => b.includes('PRIVATE KEY'))).toEqual([]);
    await page.close();
  });

  it('shows a joiner that it is not in version 1, and version 2 as its own bridge reports it', async () => {
    const { daoId } = formed;
    const base = (await consoleOf(joiner)).url;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(30_000);
    await signIn(page, base, joiner);
    // Its bridge cannot read version 1 for it (its peer is not on that channel): the page starts at the version it joined.
    expect((await bridge(joiner, `/daos/${daoId}/versions/1/state`)).status).not.toBe(200);
    await page.goto(`${base}/my/daos/${daoId}`);
    await see(page.getByTestId('joined-at')).toContainText('You joined at version 2');
    await expect(page.getByTestId('version-1').count()).resolves.toBe(0);
    await expectVersionAsBridge(page, joiner, daoId, 2);
    await expectAccessible(page, 'a DAO, joiner');
    await page.close();
  });

  it('uses a member bridge client generated from the live OpenAPI document (regenerate with scripts/generate-clients.ts)', async () => {
    for (const client of CLIENTS.filter((c) => c.service === 'member')) {
      expect(readFileSync(client.file, 'utf8')).toBe(await clientSource(client.service, await fetchDocument(dsp.bridgeUrl)));
    }
  });
});
