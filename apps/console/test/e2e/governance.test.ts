/**
 * It uses the console's shared member domains (Cn…), which one file at a time does. (The e2e tier runs two files at once: libs/testing/src/jest/tier-locks.ts.)
 *
 * @e2eLock console
 */
import { join } from 'node:path';
import { login, type DomainFormationResult, type DomainMember } from '@datawell/testing';
import type { Browser, Page } from 'playwright-core';
import { expectAccessible, see } from '../support/browser';
import { bridgeAs as bridge, consoleScenario, pct, signIn, type ConsoleScenario } from '../support/scenario';

/**
 * Governance on the DAO page in Debian's chromium, against the stack's running services and member
 * domains: a DAO of a DSP and a VSP in their own trust domains (`./dev scenario domains --vsps 1
 * --join 0`), each member's console served with its OWN domain's member-mode ledger bridge behind it.
 * The DSP proposes a change of terms in its page, the VSP votes in its own, the DSP votes and the
 * proposal is accepted; a proposal the chaincode refuses shows the bridge's code; the VSP gives
 * notice of its exit. What the pages show is compared with what each member's bridge answers it.
 * The pages are not polled: each follows its own bridge's live stream (GET /daos/:daoId/events), so
 * the DSP's open page must show the VSP's vote within LIVE_MS, which nothing else would refresh.
 */
jest.setTimeout(900_000);

const SHOTS = process.env['CONSOLE_SCREENSHOTS_DIR'];
/** How soon another member's committed vote must show on an open page: a block, its delivery to the member's peer, one read. */
const LIVE_MS = 15_000;
/** How long a reloaded DAO page may take to show its governance form again. */
const RELOAD_MS = 90_000;
let scenario: ConsoleScenario | undefined;
let formed: DomainFormationResult;
let dsp: DomainMember;
let vsp: DomainMember;
let browser: Browser;

beforeAll(async () => {
  scenario = await consoleScenario(['--vsps', '1', '--join', '0', '--org-prefix', 'Cn'], [
    ['CnDspMSP', 'DSP'],
    ['CnVsp1MSP', 'VSP'],
  ]);
  ({ formed, browser } = scenario);
  dsp = scenario.members['CnDspMSP']!;
  vsp = scenario.members['CnVsp1MSP']!;
});

afterAll(async () => {
  await scenario?.close();
});

const consoleOf = (m: DomainMember) => scenario!.consoleOf(m);

/** The events route of the member's own bridge, as the page's stream asks it: the status, the code of a refusal, or the first message. */
async function liveStream(m: DomainMember, daoId: string, token: string | undefined): Promise<{ status: number; code?: string; first?: string; type?: string | null }> {
  const abort = new AbortController();
  try {
    const response = await fetch(`${m.bridgeUrl}/daos/${daoId}/events`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: abort.signal });
    if (response.status !== 200) return { status: response.status, code: ((await response.json()) as { code: string }).code };
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    return { status: 200, first: text.split('\n\n')[0], type: response.headers.get('content-type') };
  } finally {
    abort.abort();
  }
}

type ProposalAnswer = { proposalId: string; kind: string; status: string; yesPpm: number; noPpm: number; votingEndsAtMs: number; payload: Record<string, unknown>; votes: Array<{ mspId: string; choice: string; weightPpm: number }> };

/** Times as the page should print them, written here independently of the page's own formatting. */
const at = (ms: number) => `${new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '')} UTC`;

/** The proposal's row against GetProposal as the member's own bridge answers it. */
async function expectRowAsBridge(page: Page, m: DomainMember, daoId: string, proposalId: string): Promise<ProposalAnswer> {
  const answer = await bridge(m, 'GET', `/daos/${daoId}/versions/1/proposals/${proposalId}`);
  expect(answer.status).toBe(200);
  const p = answer.body as unknown as ProposalAnswer;
  const row = page.locator(`[data-testid="proposal-row"][data-proposal="${proposalId}"]`);
  // The badge is upper-cased by its style: what the person reads.
  await see(row.getByTestId('proposal-state')).toHaveText(p.status.toUpperCase());
  await see(row.getByTestId('proposal-kind')).toHaveText(p.kind);
  await see(row.getByTestId('proposal-tally')).toHaveText(`yes ${pct(p.yesPpm)} · no ${pct(p.noPpm)}`);
  await see(row.getByTestId('proposal-deadline')).toContainText(at(p.votingEndsAtMs));
  const mine = p.votes.find((v) => v.mspId === m.mspId);
  await see(row.getByTestId('my-vote')).toHaveText(mine ? `${mine.choice} (${pct(mine.weightPpm)})` : 'not voted');
  return p;
}

describe('governance on the DAO page, through each member’s own ledger bridge', () => {
  it('a proposal made by the DSP, voted by the VSP then the DSP, accepted; a refusal with its code; the VSP’s exit with its notice', async () => {
    const { daoId } = formed;
    const state = (await bridge(dsp, 'GET', `/daos/${daoId}/versions/1/state`)).body as unknown as { terms: { exitNoticeSeconds: number }; memberStates: Array<{ mspId: string; ownershipPpm: number }> };
    const own = Object.fromEntries(state.memberStates.map((s) => [s.mspId, s.ownershipPpm]));
    // The DSP alone decides (over half the ownership), the VSP alone does not: the tally moves, then the state.
    expect(own[dsp.mspId]).toBeGreaterThan(500_000);
    const notice = state.terms.exitNoticeSeconds + 120;

    // The live route: this organisation's identities only, on a DAO its peer is on.
    const dspToken = await login(dsp.bridgeUrl, dsp.identity);
    expect(await liveStream(dsp, daoId, undefined)).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    // The VSP's identity, signed in at the DSP's bridge: a member of the DAO, but not of this organisation.
    expect(await liveStream(dsp, daoId, await login(dsp.bridgeUrl, vsp.identity))).toEqual({ status: 403, code: 'FORBIDDEN' });
    expect(await liveStream(dsp, 'nosuchdao', dspToken)).toEqual({ status: 404, code: 'VERSION_NOT_FOUND' });
    expect(await liveStream(dsp, daoId, dspToken)).toEqual({ status: 200, type: 'text/event-stream', first: `retry: 3000\nevent: ready\ndata: ${JSON.stringify({ daoId, channels: [`dao-${daoId}-v1`] })}` });

    const dspPage = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const vspPage = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const bodies: string[] = [];
    for (const p of [dspPage, vspPage]) {
      p.setDefaultTimeout(30_000);
      p.on('request', (r) => bodies.push(r.postData() ?? ''));
    }
    const dspBase = await consoleOf(dsp);
    const vspBase = await consoleOf(vsp);
    await signIn(dspPage, dspBase, dsp);
    await dspPage.goto(`${dspBase}/my/daos/${daoId}`);
    const dspGov = dspPage.getByTestId('version-1').getByTestId('governance');
    await see(dspGov.getByTestId('no-proposals')).toBeVisible();
    // The page follows its bridge's live stream: the status says so in words.
    const dspLive = dspPage.locator('[data-testid="live-status"][data-status="live"]');
    await see(dspLive).toContainText('Live');
    await expectAccessible(dspPage, 'governance, no proposals');

    // The DSP proposes a longer exit notice. The request is held at the page's edge to see the pending state.
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const proposalsPath = `**/api/member/daos/${daoId}/versions/1/proposals`;
    await dspPage.route(proposalsPath, async (route) => {
      if (route.request().method() === 'POST') await held;
      await route.continue();
    });
    const form = dspGov.getByTestId('new-proposal');
    expect(await form.getByLabel('Kind').inputValue()).toBe('change-terms');
    await form.getByLabel('Exit notice (seconds)').fill(String(notice));
    await form.getByLabel('Description (optional)').fill('a longer exit notice');
    await form.getByRole('button', { name: 'Propose' }).click();
    await see(dspGov.getByTestId('governance-pending')).toContainText('waiting for the ledger');
    release();
    await see(dspGov.getByTestId('governance-result')).toContainText('is open');
    await dspPage.unroute(proposalsPath);
    const txId = (await dspGov.getByTestId('governance-tx').textContent()) ?? '';
    expect(txId).toMatch(/^[0-9a-f]{64}$/);

    // What the DSP's bridge lists: one proposal, the page's, with the whole terms and the new notice.
    const listed = await bridge(dsp, 'GET', `/daos/${daoId}/versions/1/proposals`);
    expect(listed.status).toBe(200);
    expect(listed.body).toHaveLength(1);
    const made = listed.body[0] as unknown as ProposalAnswer;
    expect(made).toMatchObject({ kind: 'change-terms', status: 'open', yesPpm: 0, noPpm: 0, description: 'a longer exit notice', proposer: dsp.mspId });
    expect(made.payload).toEqual({ ...state.terms, exitNoticeSeconds: notice });
    await expectRowAsBridge(dspPage, dsp, daoId, made.proposalId);

    // The VSP, in its own browser and through its own bridge, finds it and votes yes: the tally moves, still open.
    await signIn(vspPage, vspBase, vsp);
    await vspPage.goto(`${vspBase}/my/daos/${daoId}`);
    const vspGov = vspPage.getByTestId('version-1').getByTestId('governance');
    const vspRow = vspGov.locator(`[data-testid="proposal-row"][data-proposal="${made.proposalId}"]`);
    await see(vspRow, 90_000).toBeVisible();
    await expectRowAsBridge(vspPage, vsp, daoId, made.proposalId);
    await vspRow.getByRole('button', { name: `Vote yes on ${made.proposalId}` }).click();
    await see(vspGov.getByTestId('governance-result')).toContainText(`The proposal is open: yes ${pct(own[vsp.mspId]!)} · no 0 %`);
    const afterVsp = await expectRowAsBridge(vspPage, vsp, daoId, made.proposalId);
    expect(afterVsp).toMatchObject({ status: 'open', yesPpm: own[vsp.mspId], noPpm: 0 });
    await see(vspRow.getByRole('button', { name: /Vote/ })).toHaveCount(0);

    // The DSP's page, open all along and not polled, sees the VSP's vote without a reload, within LIVE_MS of
    // its commit: only its bridge's live notification reads it again. Then the DSP votes yes with the keyboard: accepted.
    const dspRow = dspGov.locator(`[data-testid="proposal-row"][data-proposal="${made.proposalId}"]`);
    await see(dspLive).toBeVisible();
    await see(dspRow.getByTestId('proposal-tally'), LIVE_MS).toHaveText(`yes ${pct(own[vsp.mspId]!)} · no 0 %`);
    await dspRow.getByRole('button', { name: `Vote yes on ${made.proposalId}` }).focus();
    await dspPage.keyboard.press('Enter');
    await see(dspGov.getByTestId('governance-result')).toContainText('The proposal is accepted');
    const accepted = await expectRowAsBridge(dspPage, dsp, daoId, made.proposalId);
    expect(accepted).toMatchObject({ status: 'accepted', yesPpm: 1_000_000, noPpm: 0 });
    await see(vspRow.getByTestId('proposal-state')).toHaveText('ACCEPTED');
    const termsNow = ((await bridge(vsp, 'GET', `/daos/${daoId}/versions/1/state`)).body as unknown as { terms: { exitNoticeSeconds: number } }).terms;
    expect(termsNow.exitNoticeSeconds).toBe(notice);
    await expectAccessible(dspPage, 'governance, a decided proposal');
    if (SHOTS) await dspPage.screenshot({ path: join(SHOTS, 'console-governance.png'), fullPage: true });

    // A proposal the chaincode refuses: admitting a party that is a member already. The page shows the bridge's code and message.
    const direct = await bridge(dsp, 'POST', `/daos/${daoId}/versions/1/proposals`, { kind: 'admit-member', payload: { mspId: vsp.mspId, role: 'VSP', name: 'again' } });
    expect([direct.status, direct.body['code']]).toEqual([409, 'ALREADY_A_MEMBER']);
    await dspPage.reload();
    // A reloaded DAO page reads the version through the member's own bridge before it shows the form
    // (30 s, Playwright's default for an action, ran out in a CI rehearsal at load 20-25).
    await see(form.getByLabel('Kind'), RELOAD_MS).toBeVisible();
    await form.getByLabel('Kind').selectOption('admit-member');
    await form.getByLabel('MSP id of the party to admit').fill(vsp.mspId);
    await form.getByLabel('Name').fill('again');
    await form.getByRole('button', { name: 'Propose' }).click();
    const refused = dspGov.getByTestId('governance-refused');
    await see(refused).toContainText('refused — ALREADY_A_MEMBER (409)');
    await see(refused).toContainText(`${vsp.mspId} is already a member`);
    await expectAccessible(dspPage, 'governance, a refusal');
    expect(((await bridge(dsp, 'GET', `/daos/${daoId}/versions/1/proposals`)).body as unknown[]).length).toBe(1);

    // A no vote: the VSP proposes to dissolve in its page, the DSP votes no in its own — rejected by the DSP's weight alone.
    await vspPage.reload();
    const vspForm = vspGov.getByTestId('new-proposal');
    await see(vspForm.getByLabel('Kind'), RELOAD_MS).toBeVisible();
    await vspForm.getByLabel('Kind').selectOption('dissolve');
    await vspForm.getByRole('button', { name: 'Propose' }).click();
    await see(vspGov.getByTestId('governance-result')).toContainText('is open');
    const dissolve = ((await bridge(vsp, 'GET', `/daos/${daoId}/versions/1/proposals`)).body as unknown as ProposalAnswer[])[0]!;
    expect(dissolve).toMatchObject({ kind: 'dissolve', status: 'open', proposer: vsp.mspId });
    const dspDissolveRow = dspGov.locator(`[data-testid="proposal-row"][data-proposal="${dissolve.proposalId}"]`);
    await see(dspDissolveRow, 90_000).toBeVisible();
    await dspDissolveRow.getByRole('button', { name: `Vote no on ${dissolve.proposalId}` }).click();
    await see(dspGov.getByTestId('governance-result')).toContainText(`The proposal is rejected: yes 0 % · no ${pct(own[dsp.mspId]!)}`);
    expect(await expectRowAsBridge(dspPage, dsp, daoId, dissolve.proposalId)).toMatchObject({ status: 'rejected', yesPpm: 0, noPpm: own[dsp.mspId] });
    await expectRowAsBridge(vspPage, vsp, daoId, dissolve.proposalId);

    // The VSP gives notice of its exit, in a dialog: the notice is the accepted terms'.
    await vspGov.getByTestId('exit').getByRole('button', { name: 'Announce my exit' }).click();
    const dialog = vspPage.getByRole('dialog', { name: `Leave version 1 of DAO ${daoId}?` });
    await see(dialog).toContainText(`${notice} seconds of notice`);
    await expectAccessible(vspPage, 'governance, the exit dialog');
    await dialog.getByRole('button', { name: 'Give notice' }).click();
    await see(vspGov.getByTestId('governance-result')).toContainText('Your exit may be completed from');
    const leaving = ((await bridge(vsp, 'GET', `/daos/${daoId}/versions/1/state`)).body as unknown as { memberStates: Array<{ mspId: string; status: string; exitRequestedAtMs: number; exitEffectiveAtMs: number }> }).memberStates.find((s) => s.mspId === vsp.mspId)!;
    expect(leaving.status).toBe('active');
    expect(leaving.exitEffectiveAtMs - leaving.exitRequestedAtMs).toBe(notice * 1000);
    await see(vspGov.getByTestId('governance-result')).toContainText(at(leaving.exitEffectiveAtMs));
    await see(vspGov.getByTestId('exit-notice')).toContainText(`your exit may be completed from ${at(leaving.exitEffectiveAtMs)}`);
    await see(vspPage.locator(`[data-testid="member-row"][data-msp="${vsp.mspId}"]`).getByTestId('member-status')).toContainText(`may leave from ${at(leaving.exitEffectiveAtMs)}`);
    await expectAccessible(vspPage, 'governance, notice given');

    expect(bodies.filter((b) => b.includes('PRIVATE KEY'))).toEqual([]);
    await dspPage.close();
    await vspPage.close();
  });
});
