/**
 * It uses the console's shared member domains (Cn…), which one file at a time does. (The e2e tier runs two files at once: libs/testing/src/jest/tier-locks.ts.)
 *
 * @e2eLock console
 */
import { join } from 'node:path';
import { serviceUrl } from '@datawell/stack';
import { until, type DomainFormationResult, type DomainMember } from '@datawell/testing';
import type { Browser, Page } from 'playwright-core';
import { expectAccessible, see } from '../support/browser';
import { expectHeartbeatLive, expectJobsAsProvisioner, expectOwnershipChart, expectVersionAsBridge } from '../support/dao-page';
import { bridgeAs as bridge, consoleScenario, pct, signIn, type ConsoleScenario } from '../support/scenario';

/**
 * A transfer of rights on the DAO page, in Debian's chromium, against the stack's running services
 * and member domains: a DAO of a DSP and two VSPs of one group (J1) in their own trust domains, each
 * member's workload built by its own provisioner (`./dev scenario domains --vsps 2 --join 0 --managed`),
 * each member's console served with its OWN domain's bridge, provisioner and telemetry behind it.
 *
 * On the DSP's page: the ownership chart against GetVersion; the infrastructure jobs, their progress
 * and their logs against the DSP's own provisioner; its workload's heartbeats arriving without a
 * reload as its own telemetry records them. Then the first VSP offers its whole position to the
 * second in its page, the second accepts in its own, the DSP consents in its own: the position moves
 * (GetTransfer completed on the ledger, the members and the chart as the DSP's and the recipient's
 * bridges answer). A refused offer shows the bridge's code. The participant page lists the DAOs the marketplace's public directory names it in.
 */
jest.setTimeout(1_200_000);

const SHOTS = process.env['CONSOLE_SCREENSHOTS_DIR'];
let scenario: ConsoleScenario | undefined;
let formed: DomainFormationResult;
let dsp: DomainMember;
let leaver: DomainMember;
let recipient: DomainMember;
let browser: Browser;

beforeAll(async () => {
  scenario = await consoleScenario(['--vsps', '2', '--join', '0', '--managed', '--org-prefix', 'Cn'], [
    ['CnDspMSP', 'DSP'],
    ['CnVsp1MSP', 'VSP'],
    ['CnVsp2MSP', 'VSP'],
  ]);
  ({ formed, browser } = scenario);
  dsp = scenario.members['CnDspMSP']!;
  leaver = scenario.members['CnVsp1MSP']!;
  recipient = scenario.members['CnVsp2MSP']!;
});

afterAll(async () => {
  await scenario?.close();
});

type MemberState = { mspId: string; group: string; status: string; ownershipPpm: number; weight: number; transferredTo?: string };
type TransferAnswer = { daoId: string; transferId: string; channels: Array<{ channel: string; version: number; transfer: { from: string; to: string; status: string; consents: string[]; acceptedAtMs?: number; consentedPpm: number; activeOwnershipPpm: number; consented: boolean } }> };

const states = async (m: DomainMember, daoId: string) => ((await bridge(m, 'GET', `/daos/${daoId}/versions/1/state`)).body as unknown as { memberStates: MemberState[] }).memberStates;

/** The transfer's rows on the page against GetTransfer as the member's own bridge answers it. */
async function expectTransferAsBridge(page: Page, m: DomainMember, daoId: string, transferId: string): Promise<TransferAnswer> {
  const answer = await bridge(m, 'GET', `/daos/${daoId}/transfers/${transferId}`);
  expect(answer.status).toBe(200);
  const t = answer.body as unknown as TransferAnswer;
  const view = page.getByTestId('transfers').locator(`[data-testid="transfer"][data-transfer="${transferId}"]`);
  await see(view.getByTestId('transfer-channel')).toHaveCount(t.channels.length);
  for (const c of t.channels) {
    const row = view.locator(`[data-testid="transfer-channel"][data-channel="${c.channel}"]`);
    await see(row.getByTestId('transfer-state')).toContainText(c.transfer.status.toUpperCase());
    await see(row.getByTestId('transfer-consents')).toHaveText(`${c.transfer.consents.join(', ')}: ${pct(c.transfer.consentedPpm)} of ${pct(c.transfer.activeOwnershipPpm)}`);
    await see(row.getByTestId('transfer-accepted')).toContainText(c.transfer.acceptedAtMs === undefined ? 'not yet' : 'yes, at ');
  }
  await see(view.getByTestId('transfer-parties')).toHaveText(`${t.channels[0]!.transfer.from} → ${t.channels[0]!.transfer.to}`);
  return t;
}

async function openDao(m: DomainMember, bodies: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(30_000);
  page.on('request', (r) => bodies.push(r.postData() ?? ''));
  const base = await scenario!.consoleOf(m);
  await signIn(page, base, m);
  await page.goto(`${base}/my/daos/${formed.daoId}`);
  await see(page.locator('[data-testid="live-status"][data-status="live"]')).toContainText('Live');
  return page;
}

describe('a transfer of rights, jobs and heartbeats on the DAO page, through each member’s own services', () => {
  it('shows the ownership chart, the jobs with their logs and live heartbeats; moves a VSP’s position to the other VSP of its group in three pages', async () => {
    const { daoId } = formed;
    const bodies: string[] = [];
    const dspPage = await openDao(dsp, bodies);

    // The chart and the members as the DSP's bridge answers (expectVersionAsBridge checks the chart too).
    const before = await states(dsp, daoId);
    expect(before.map((s) => [s.mspId, s.group])).toEqual([
      [dsp.mspId, 'D'],
      [leaver.mspId, 'J1'],
      [recipient.mspId, 'J1'],
    ]);
    await expectVersionAsBridge(dspPage, dsp, daoId, 1);

    // The jobs the DSP's own provisioner ran for this DAO (its managed workload): each one's state, progress and log as it answers.
    const dspJobs = await expectJobsAsProvisioner(dspPage, scenario!.ctx, dsp, daoId, (jobs) => jobs.length > 0);
    expect(dspJobs.some((j) => j.kind === 'apply' && j.state === 'completed' && j.progress === 100)).toBe(true);
    // Its workload's heartbeats, as its own telemetry records them, arriving on the open page.
    const beat = await expectHeartbeatLive(dspPage, scenario!.ctx, dsp, daoId);
    expect(beat.seqs[1]).toBeGreaterThan(beat.seqs[0]);
    await dspPage.mouse.move(1200, 880);
    await expectAccessible(dspPage, 'a DAO with its chart, jobs and heartbeats');

    // A refused offer: the DSP's position cannot go to a VSP of another group. The page shows the bridge's code; nothing is recorded.
    const refused = await bridge(dsp, 'POST', `/daos/${daoId}/transfers`, { to: leaver.mspId });
    expect([refused.status, refused.body['code']]).toEqual([409, 'RECIPIENT_AT_OTHER_LEVEL']);
    const dspTransfers = dspPage.getByTestId('transfers');
    await dspTransfers.getByRole('textbox', { name: 'Recipient (MSP id)' }).fill('nobody');
    await dspTransfers.getByRole('button', { name: 'Offer my position' }).click();
    await see(dspTransfers.getByTestId('transfer-invalid')).toContainText('Recipient: an MSP id');
    await dspTransfers.getByRole('textbox', { name: 'Recipient (MSP id)' }).fill(leaver.mspId);
    await dspTransfers.getByRole('button', { name: 'Offer my position' }).click();
    const dspDialog = dspPage.getByRole('dialog', { name: `Transfer your position in DAO ${daoId}?` });
    await see(dspDialog).toContainText(`${pct(before[0]!.ownershipPpm)}`);
    await expectAccessible(dspPage, 'the transfer dialog');
    await dspDialog.getByRole('button', { name: 'Offer the transfer' }).click();
    await see(dspTransfers.getByTestId('governance-refused')).toContainText('refused — RECIPIENT_AT_OTHER_LEVEL (409)');
    await see(dspTransfers.getByTestId('governance-refused')).toContainText(`${leaver.mspId} holds a position in group J1`);

    // The leaver's page, open from here on: it offers its whole position to the other VSP of its group.
    const leaverPage = await openDao(leaver, bodies);
    await expectJobsAsProvisioner(leaverPage, scenario!.ctx, leaver, daoId, (jobs) => jobs.length > 0);
    await leaverPage.evaluate('window.__sameDocument = true');
    const leaverTransfers = leaverPage.getByTestId('transfers');
    await leaverTransfers.getByRole('textbox', { name: 'Recipient (MSP id)' }).fill(recipient.mspId);
    await leaverTransfers.getByRole('button', { name: 'Offer my position' }).click();
    await leaverPage.getByRole('dialog', { name: `Transfer your position in DAO ${daoId}?` }).getByRole('button', { name: 'Offer the transfer' }).click();
    await see(leaverTransfers.getByTestId('governance-result')).toContainText('is offered');
    const transferId = (await leaverTransfers.getByTestId('transfer').first().getAttribute('data-transfer'))!;
    expect(transferId).toMatch(/^xfer-[0-9a-f-]{36}$/);
    const offered = await expectTransferAsBridge(leaverPage, leaver, daoId, transferId);
    expect(offered.channels.map((c) => [c.channel, c.transfer.status, c.transfer.consents, c.transfer.consented])).toEqual([[`dao-${daoId}-v1`, 'offered', [leaver.mspId], false]]);
    expect(await leaverTransfers.getByTestId('governance-tx').innerText()).toMatch(/^[0-9a-f]{64}$/);
    await expectAccessible(leaverPage, 'a transfer offered');

    // The recipient finds it by its id in its own page and accepts: accepted, still waiting for the founding member's consent.
    const recipientPage = await openDao(recipient, bodies);
    const recipientTransfers = recipientPage.getByTestId('transfers');
    await recipientTransfers.getByRole('textbox', { name: 'Transfer id' }).fill(transferId);
    await recipientTransfers.getByRole('button', { name: 'Show the transfer' }).click();
    await see(recipientTransfers.getByRole('button', { name: `Accept transfer ${transferId}` })).toBeVisible();
    await see(recipientTransfers.getByRole('button', { name: `Consent to transfer ${transferId}` })).toHaveCount(0);
    await recipientTransfers.getByRole('button', { name: `Accept transfer ${transferId}` }).click();
    await see(recipientTransfers.getByTestId('governance-result')).toContainText(`dao-${daoId}-v1: offered`);
    const accepted = await expectTransferAsBridge(recipientPage, recipient, daoId, transferId);
    expect(accepted.channels[0]!.transfer).toMatchObject({ status: 'offered', consented: false });
    expect(accepted.channels[0]!.transfer.acceptedAtMs).toEqual(expect.any(Number));
    await see(recipientTransfers.getByTestId('transfer-rule')).toContainText(`missing ${dsp.mspId}`);

    // The DSP, whose page has been open all along, consents with the keyboard: the consent rule holds, the position moves.
    await dspTransfers.getByRole('textbox', { name: 'Transfer id' }).fill(transferId);
    await dspTransfers.getByRole('textbox', { name: 'Transfer id' }).press('Enter');
    const consent = dspTransfers.getByRole('button', { name: `Consent to transfer ${transferId}` });
    await see(consent).toBeVisible();
    await consent.focus();
    await dspPage.keyboard.press('Enter');
    await see(dspTransfers.getByTestId('governance-result')).toContainText(`dao-${daoId}-v1: completed`);
    const completed = await expectTransferAsBridge(dspPage, dsp, daoId, transferId);
    expect(completed.channels[0]!.transfer).toMatchObject({ status: 'completed', consented: true, consents: [leaver.mspId, dsp.mspId] });

    // On the ledger: the leaver exited with its position gone to the recipient, who holds both shares; the page and the chart say so.
    const after = await states(dsp, daoId);
    const was = Object.fromEntries(before.map((s) => [s.mspId, s]));
    expect(after.find((s) => s.mspId === leaver.mspId)).toMatchObject({ status: 'exited', transferredTo: recipient.mspId });
    expect(after.find((s) => s.mspId === recipient.mspId)).toMatchObject({ status: 'active', ownershipPpm: was[leaver.mspId]!.ownershipPpm + was[recipient.mspId]!.ownershipPpm, weight: was[leaver.mspId]!.weight + was[recipient.mspId]!.weight });
    for (const [page, m] of [
      [dspPage, dsp],
      [recipientPage, recipient],
    ] as const) {
      await expectVersionAsBridge(page, m, daoId, 1);
      await see(page.locator(`[data-testid="member-row"][data-msp="${leaver.mspId}"]`).getByTestId('member-status')).toContainText(`its position went to ${recipient.mspId}`);
    }
    await expectOwnershipChart(recipientPage, 1, after);
    await dspPage.mouse.move(1200, 880);
    await expectAccessible(dspPage, 'a transfer completed');
    if (SHOTS) await dspPage.screenshot({ path: join(SHOTS, 'console-transfer.png'), fullPage: true });

    // The participant page: the DAOs the marketplace's public directory names the recipient in (read here without an identity).
    const marketplace = serviceUrl(scenario!.ctx.settings, 'marketplace');
    const directory = await until(
      `${daoId} in the public directory of ${recipient.mspId}`,
      async () => {
        const r = (await (await fetch(`${marketplace}/daos?member=${recipient.mspId}`)).json()) as { daos: Array<{ daoId: string; name: string; topVersion: number; versions: Array<{ members: string[] }> }> };
        return r.daos.some((d) => d.daoId === daoId) ? r.daos : undefined;
      },
      120_000,
      2000,
    );
    expect(((await (await fetch(`${marketplace}/daos?member=nobody`)).json()) as { code: string }).code).toBe('INVALID_REQUEST');
    await recipientPage.goto(`${await scenario!.consoleOf(recipient)}/participants/${recipient.mspId}`);
    const publicDaos = recipientPage.getByTestId('public-daos');
    await see(publicDaos.getByTestId('public-dao')).toHaveCount(directory.length);
    const entry = directory.find((d) => d.daoId === daoId)!;
    expect([...entry.versions.at(-1)!.members].sort()).toEqual([dsp.mspId, leaver.mspId, recipient.mspId].sort());
    const row = publicDaos.locator(`[data-testid="public-dao"][data-dao="${daoId}"]`);
    await see(row.getByTestId('public-dao-name')).toHaveText(entry.name);
    await see(row.getByTestId('public-dao-membership')).toHaveText(`Member in version 1 of 1; members of version 1: ${entry.versions.at(-1)!.members.join(', ')}`);
    await expectAccessible(recipientPage, 'a participant with its DAOs');

    expect(bodies.filter((b) => b.includes('PRIVATE KEY'))).toEqual([]);
    for (const p of [dspPage, leaverPage, recipientPage]) await p.close();
  });
});
