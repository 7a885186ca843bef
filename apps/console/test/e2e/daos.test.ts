/**
 * It uses the console's shared member domains (Cn…), which one file at a time does. (The e2e tier runs two files at once: libs/testing/src/jest/tier-locks.ts.)
 *
 * @e2eLock console
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DomainFormationResult, DomainMember } from '@datawell/testing';
import type { Browser } from 'playwright-core';
import { clientSource, CLIENTS, fetchDocument } from '../../scripts/clients';
import { expectAccessible, see } from '../support/browser';
import { expectChannelAsFabric, expectRevenueAsBridge, expectVersionAsBridge, ownService, split } from '../support/dao-page';
import { bridgeAs, consoleScenario, dev, signIn, status, type ConsoleScenario } from '../support/scenario';

/**
 * "My DAOs" in Debian's chromium against the stack's running services and member domains: a DAO
 * formed among trust domains as `./dev scenario domains` forms it (a DSP and a VSP found version 1,
 * a second VSP joins as version 2, the DSP records revenue through its own bridge). Each member's
 * console is served with its OWN domain's member-mode ledger bridge behind it; what the DAO page shows
 * (channels, β, each member's ownership and entitlement, the revenue event with each member's payout
 * and its transactions) is compared with what that bridge answers, and the payouts with
 * `./dev economics split` of the versions' β.
 */
jest.setTimeout(900_000);

const SHOTS = process.env['CONSOLE_SCREENSHOTS_DIR'];
const REVENUE = '1000000';
let scenario: ConsoleScenario | undefined;
let formed: DomainFormationResult;
let dsp: DomainMember;
let vsp1: DomainMember;
let joiner: DomainMember;
let browser: Browser;

beforeAll(async () => {
  scenario = await consoleScenario(['--vsps', '1', '--join', '1', '--org-prefix', 'Cn', '--revenue', REVENUE], [
    ['CnDspMSP', 'DSP'],
    ['CnVsp1MSP', 'VSP'],
    ['CnVsp2MSP', 'VSP'],
  ]);
  ({ formed, browser } = scenario);
  dsp = scenario.members['CnDspMSP']!;
  vsp1 = scenario.members['CnVsp1MSP']!;
  joiner = scenario.members['CnVsp2MSP']!;
});

afterAll(async () => {
  await scenario?.close();
});

const consoleOf = (m: DomainMember) => scenario!.consoleOf(m);
const bridge = (m: DomainMember, path: string) => bridgeAs(m, 'GET', path);

/** How long the member's telemetry may take to fold a workload registered on the ledger (its events topic, then its read model). */
const FOLD_MS = 60_000;

/** `./dev economics split` of the scenario's revenue over the β of versions 1 and 2 (read at the DSP's bridge). */
async function expectedSplit(daoId: string): Promise<Record<string, string>> {
  const betas: number[] = [];
  for (const v of [1, 2]) betas.push(((await bridge(dsp, `/daos/${daoId}/versions/${v}/state`)).body as unknown as { betaPpm: number }).betaPpm);
  return split(REVENUE, betas, { d: dsp.mspId, joiners: [vsp1.mspId, joiner.mspId] });
}

describe('my DAOs, read through the member’s own ledger bridge', () => {
  it('lists the DSP’s DAO and shows both versions as its bridge reports them', async () => {
    const { daoId } = formed;
    const base = await consoleOf(dsp);
    // The console the DSP's person uses runs in the DSP's own domain, as its OS user, on its port.
    // Read even when the stack is not all healthy (exit 1): another e2e file may be adding a domain.
    const domain = (await status<{ domains: Array<{ name: string; osUser: string; serviceUrls: Record<string, string>; processes: Array<{ name: string; pid?: number; user?: string }> }> }>(['stack', 'status', '--json'])).domains.find((d) => d.name === dsp.mspId)!;
    expect(domain.serviceUrls['console']).toBe(base);
    expect(domain.processes.find((p) => p.name === `console@${dsp.mspId}`)).toMatchObject({ pid: expect.any(Number), user: domain.osUser });
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
    // Each version's channel organisations on the page against Fabric's config of its channel, fetched
    // here by the DSP's admin: version 1's DSP and VSP, version 2's with the joiner.
    const fabric = [await expectChannelAsFabric(page, scenario!.ctx, dsp, daoId, 1), await expectChannelAsFabric(page, scenario!.ctx, dsp, daoId, 2)];
    expect(fabric).toEqual([[dsp.mspId, vsp1.mspId].sort(), [dsp.mspId, vsp1.mspId, joiner.mspId].sort()]);
    const summed: Record<string, string> = {};
    for (const [msp, a] of [...Object.entries(v1.amounts), ...Object.entries(v2.amounts)]) summed[msp] = (BigInt(summed[msp] ?? '0') + BigInt(a)).toString();
    expect(summed).toEqual(formed.payouts);
    // The revenue event: each member's payout of it, level by level, as the bridge's allocations say, and as the CLI's split of the β's says.
    const payouts = await expectRevenueAsBridge(page, dsp, daoId, [1, 2], REVENUE);
    expect(payouts).toEqual(await expectedSplit(daoId));
    expect(payouts).toEqual(formed.payouts);

    // The jobs of the DSP's own provisioner for this DAO: those its provisioner answers (the scenario runs no managed infrastructure: none).
    const jobs = (await ownService<Array<{ id: string; daoId: string; state: string; progress: number }>>(scenario!.ctx, dsp, 'provisioner', '/jobs')).filter((j) => j.daoId === daoId);
    if (jobs.length === 0) await see(page.getByTestId('no-jobs')).toBeVisible();
    for (const j of jobs) {
      const row = page.locator(`[data-testid="job-row"][data-job="${j.id}"]`);
      await see(row.getByTestId('job-progress')).toHaveText(`${j.progress} %`);
    }

    // The usage trail of a dataset, as the bridge answers it (no computation ran: empty), and a bad name refused with the bridge's code.
    const usage = page.getByTestId('usage');
    const trail = await bridge(dsp, `/datasets/sales/usage?daoId=${daoId}`);
    expect([trail.status, trail.body['entries']]).toEqual([200, []]);
    await usage.getByRole('textbox', { name: 'Dataset' }).fill('sales');
    await usage.getByRole('button', { name: 'Show its trail' }).click();
    await see(usage.getByTestId('no-usage')).toContainText('sales');
    expect((await bridge(dsp, `/datasets/${encodeURIComponent('no such')}/usage?daoId=${daoId}`)).body['code']).toBe('INVALID_REQUEST');
    await usage.getByRole('textbox', { name: 'Dataset' }).fill('no such');
    await usage.getByRole('button', { name: 'Show its trail' }).click();
    await see(usage.getByRole('alert')).toContainText('INVALID_REQUEST (400)');

    // A workload the DSP runs itself, registered through its bridge on the top version while the page is open:
    // its own telemetry folds it (no heartbeat yet) and the page shows it as that telemetry answers, without a reload.
    const workloadId = `console-${Date.now().toString(36)}`;
    const publicKeyPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect((await bridgeAs(dsp, 'POST', `/daos/${daoId}/versions/2/workloads`, { workloadId, publicKeyPem })).status).toBe(201);
    const row = page.locator(`[data-testid="workload-row"][data-workload="${workloadId}"]`);
    await see(row, FOLD_MS).toBeVisible();
    const live = (await ownService<Array<{ workloadId: string; owner: string; status: string; lastHeartbeatAt: string | null }>>(scenario!.ctx, dsp, 'telemetry', '/workloads')).find((w) => w.workloadId === workloadId);
    expect(live).toMatchObject({ owner: dsp.mspId, lastHeartbeatAt: null });
    await see(row.getByTestId('workload-owner')).toHaveText(dsp.mspId);
    await see(row.getByTestId('workload-status')).toHaveText(live!.status.toUpperCase());
    await see(row.getByTestId('workload-heartbeat')).toHaveText('none yet');
    await page.mouse.move(1200, 880);
    await expectAccessible(page, 'a DAO');
    if (SHOTS) await page.screenshot({ path: join(SHOTS, 'console-dao.png'), fullPage: true });
    expect(bodies.filter((b) => b.includes('PRIVATE KEY'))).toEqual([]);
    await page.close();
  });

  it('shows a joiner that it is not in version 1, and version 2 as its own bridge reports it', async () => {
    const { daoId } = formed;
    const base = await consoleOf(joiner);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(30_000);
    await signIn(page, base, joiner);
    // Its bridge cannot read version 1 for it (its peer is not on that channel): the page starts at the version it joined.
    expect((await bridge(joiner, `/daos/${daoId}/versions/1/state`)).status).not.toBe(200);
    await page.goto(`${base}/my/daos/${daoId}`);
    await see(page.getByTestId('joined-at')).toContainText('You joined at version 2');
    await expect(page.getByTestId('version-1').count()).resolves.toBe(0);
    await expectVersionAsBridge(page, joiner, daoId, 2);
    // Version 2's channel organisations against Fabric's config as the joiner's own admin fetches it.
    expect(await expectChannelAsFabric(page, scenario!.ctx, joiner, daoId, 2)).toEqual([dsp.mspId, vsp1.mspId, joiner.mspId].sort());
    // Its payout of the revenue (paid on version 2), the split's J_2 share; the rest went to version 1, which it cannot read.
    const payouts = await expectRevenueAsBridge(page, joiner, daoId, [2], REVENUE);
    expect(payouts).toEqual({ [joiner.mspId]: (await expectedSplit(daoId))[joiner.mspId] });
    await see(page.getByTestId('rest-not-shown')).toContainText(`dao-${daoId}-v1, a version your domain’s peer is not on`);
    await expectAccessible(page, 'a DAO, joiner');
    await page.close();
  });

  it('signs in at the member’s own bridge by itself once it is back, after a sign-in while it was down', async () => {
    const { daoId } = formed;
    const base = await consoleOf(vsp1);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(30_000);
    // The VSP's own services stopped (its bridge among them): the page signs in without a token there.
    await dev(['domain', 'stop', vsp1.mspId]);
    try {
      await signIn(page, base, vsp1);
      await page.getByRole('link', { name: 'My DAOs' }).click();
      const notice = page.getByTestId('member-notice');
      await see(notice).toContainText('signs in there again by itself');
    } finally {
      await dev(['domain', 'start', vsp1.mspId]);
    }
    // No new sign-in, no reload (a reload would drop the key the page holds): the notice goes, and the DAO reads through the bridge.
    await see(page.getByTestId('member-notice'), 120_000).toHaveCount(0);
    await page.getByTestId('daos').getByRole('link', { name: daoId }).click();
    await see(page.getByRole('heading', { name: `DAO ${daoId}` })).toBeVisible();
    await expectVersionAsBridge(page, vsp1, daoId, 1);
    await page.close();
  });

  it('uses a member bridge client generated from the live OpenAPI document (regenerate with scripts/generate-clients.ts)', async () => {
    for (const client of CLIENTS.filter((c) => c.service === 'member')) {
      expect(readFileSync(client.file, 'utf8')).toBe(await clientSource(client.service, await fetchDocument(dsp.bridgeUrl)));
    }
  });
});
