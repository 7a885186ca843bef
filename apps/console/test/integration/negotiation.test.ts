import { createHash, verify, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IdentityDirectory } from '@datawell/auth';
import { TOPICS } from '@datawell/contracts';
import { checkConsent, proposalSigningText, verifyAcceptances } from '@datawell/domain';
import { login, testStackContext, type DomainMember, type EnrolledIdentity } from '@datawell/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { operatorAdminApp, type OperatorAdminApp } from '../../../../services/ledger-bridge/test/integration/harness';
import { eventually, hex, MarketplaceHarness } from '../../../../services/marketplace/test/integration/harness';
import { bootNegotiation, readTopic } from '../../../../services/negotiation/test/integration/harness';
import { clientSource, CLIENTS, fetchDocument } from '../../scripts/clients';
import { buildConsole, DIST_DIR } from '../../server/build';
import { startConsoleServer, type ConsoleServer } from '../../server/serve';
import { expectAccessible, launchBrowser, see } from '../support/browser';
import { domainsBeside, offerThroughOwnBridge } from '../support/domains-beside';

/**
 * The negotiation room in Debian's chromium, a DSP and a VSP each in its own browser context, against
 * the real marketplace and the real negotiation service (both in-process on the shared stack's
 * PostgreSQL and Kafka) and the operator's real ledger bridge on the marketplace's topics
 * (operatorAdminApp running), as in production: the DSP and the VSP are trust domains of
 * their own (`./dev domain add`, their member services by `./dev domain start`), registered without an
 * identity and admitted by the operator's bridge from their public MSP packages; the VSP signs its
 * offer through its own bridge; each person is enrolled at its organisation's own CA; the
 * participants reach negotiation's identity directory through their ParticipantRegistered, relayed
 * from the ledger, as in production. The DSP opens a formation from the VSP's
 * value offer, the VSP proposes, the DSP counter-proposes (each proposal signed in its author's page),
 * both sign and accept in their pages; what the pages show is compared with what the service answers,
 * the proposals' signatures are re-verified from the history, and the signatures in the published
 * AgreementReached are verified as the dao chaincode verifies them.
 */
jest.setTimeout(900_000);

// The bridge relays to the shared ledger events topic, which the identity directories read.
const h = new MarketplaceHarness({ ledgerEvents: TOPICS.ledgerEvents });
let bridge: OperatorAdminApp;
/** A person of each organisation: an identity its own CA issued, in its domain. */
type Member = EnrolledIdentity;
/** Trust domains of this file, reused across runs (registering them again finds them). */
const [DSP, VSP] = ['NdDspMSP', 'NdVspMSP'];
const ctx = testStackContext();
let domains: Awaited<ReturnType<typeof domainsBeside>> | undefined;
let vspMember: DomainMember;
let neg: Awaited<ReturnType<typeof bootNegotiation>>;
let dsp: Member;
let vsp: Member;
let server: ConsoleServer;
let browser: Browser;
const SHOTS = process.env['CONSOLE_SCREENSHOTS_DIR'];

/** The negotiation service's own answer, as a party (its token from its own sign-in). */
const tokens = new Map<string, string>();
async function api<T = Record<string, unknown>>(who: Member, path: string): Promise<T> {
  const response = await fetch(`${neg.url}${path}`, { headers: { authorization: `Bearer ${tokens.get(who.mspId)}` } });
  if (!response.ok) throw new Error(`GET ${path} as ${who.mspId}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

const fingerprintOf = (pem: string) => createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');

/** The session's proposals as the history records them, each signature checked over {sessionId, answers, proposal} with its certificate. */
async function signedProposals(who: Member, sessionId: string): Promise<Array<{ revision: number; mspId: string; answers: number; certificatePem: string; verified: boolean }>> {
  const history = await api<Array<{ change: string; revision: number; mspId: string; detail: Record<string, unknown> }>>(who, `/sessions/${sessionId}/history`);
  return history
    .filter((h) => h.change === 'proposed')
    .map(({ revision, mspId, detail: d }) => ({
      revision,
      mspId,
      answers: d['answers'] as number,
      certificatePem: d['certificatePem'] as string,
      verified: verify('sha256', Buffer.from(proposalSigningText(sessionId, d['answers'] as number, d['proposal'])), new X509Certificate(d['certificatePem'] as string).publicKey, Buffer.from(d['signature'] as string, 'base64')),
    }));
}

beforeAll(async () => {
  // Negotiation first: its identity directory then reads the participants' ParticipantRegistered.
  neg = await bootNegotiation();
  await Promise.all([buildConsole(), h.start()]);
  bridge = await operatorAdminApp({ running: h.topics });
  domains = await domainsBeside(ctx, h.baseUrl, [
    [DSP, 'DSP'],
    [VSP, 'VSP'],
  ]);
  dsp = domains.members[DSP]!.identity;
  vspMember = domains.members[VSP]!;
  vsp = vspMember.identity;
  for (const m of [dsp, vsp]) {
    tokens.set(m.mspId, await eventually(`${m.mspId} known to negotiation`, () => login(neg.url, m).catch(() => ''), (t) => t !== '', 120_000));
  }
  server = await startConsoleServer({ distDir: DIST_DIR, upstreams: { marketplace: h.baseUrl, negotiation: neg.url } });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await domains?.stop();
  await bridge?.close();
  await h.stop();
  await neg?.close();
});

async function personIn(context: BrowserContext): Promise<{ page: Page; bodies: string[] }> {
  const page = await context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  page.setDefaultTimeout(30_000);
  const bodies: string[] = [];
  page.on('request', (r) => bodies.push(r.postData() ?? ''));
  return { page, bodies };
}

async function signIn(page: Page, m: Member): Promise<void> {
  await page.goto(`${server.url}/sign-in`);
  await page.getByRole('textbox', { name: 'Certificate (PEM)' }).fill(m.certificatePem);
  await page.getByRole('textbox', { name: 'Private key (PKCS#8 PEM)' }).fill(m.privateKeyPem);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await see(page.getByTestId('signed-in-as')).toHaveText(`${m.enrollmentId}@${m.mspId}`);
}

async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS) await page.screenshot({ path: join(SHOTS, `console-${name}.png`), fullPage: true });
}

const beta = (page: Page) => page.getByRole('textbox', { name: /^β \(%\)/ });

describe('the negotiation room in two browsers', () => {
  it('forms a DAO: the DSP opens it from the VSP’s offer, proposal, counter-proposal, both sign in their pages', async () => {
    // The VSP's value offer, signed through its own bridge and described by the VSP itself, for the DSP to find.
    const tag = `nr${hex()}`;
    await offerThroughOwnBridge(vspMember, h.baseUrl, { kind: 'value', title: `Leak detection ${tag}`, description: `Finds leaks from pressure readings. ${tag}`, tags: [tag], service: 'leaks', computations: ['mean'], infrastructure: { cpu: 2 } });

    const dspContext = await browser.newContext();
    const vspContext = await browser.newContext();
    const d = await personIn(dspContext);
    const v = await personIn(vspContext);
    await Promise.all([signIn(d.page, dsp), signIn(v.page, vsp)]);

    // The DSP finds the offer in the catalogue and opens a formation with its owner. (Within the app:
    // a page load would drop the key the page holds since sign-in; the second test covers that.)
    await d.page.getByRole('link', { name: 'Catalogue' }).click();
    await d.page.getByRole('textbox', { name: 'Search', exact: true }).fill(tag);
    await d.page.keyboard.press('Enter');
    await d.page.getByRole('link', { name: `Leak detection ${tag}` }).click();
    await d.page.getByRole('link', { name: `Negotiate a DAO with ${vsp.mspId}` }).click();
    await see(d.page.getByRole('heading', { name: 'Form a DAO' })).toBeVisible();
    expect(await d.page.getByRole('textbox', { name: /^VSPs/ }).inputValue()).toBe(vsp.mspId);
    const daoId = `nr-${hex(3)}`;
    await d.page.getByRole('textbox', { name: /^DAO id/ }).fill(daoId);
    await expectAccessible(d.page, 'negotiations');
    await d.page.getByRole('button', { name: 'Open session' }).click();
    await d.page.waitForURL(/\/negotiations\/ses-/);
    const sessionId = decodeURIComponent(d.page.url().split('/negotiations/')[1]!);
    await see(d.page.getByTestId('no-proposal')).toBeVisible();
    // The room follows the session's live stream; while it is live the page does not poll.
    await see(d.page.getByTestId('live-status')).toHaveAttribute('data-status', 'live');

    const opened = await api<{ parties: Array<{ mspId: string; group: string }>; status: string; daoId: string }>(dsp, `/sessions/${sessionId}`);
    expect(opened).toMatchObject({ daoId, status: 'open' });
    expect(opened.parties.map((p) => [p.mspId, p.group])).toEqual([
      [dsp.mspId, 'D'],
      [vsp.mspId, 'J1'],
    ]);
    for (const p of opened.parties) await see(d.page.getByTestId('parties').getByRole('row').filter({ hasText: p.mspId })).toContainText(p.group);

    // The VSP finds the session in its list and makes the first proposal: β 70 %, its node self-hosted.
    await v.page.getByRole('link', { name: 'Negotiations' }).click();
    await see(v.page.getByTestId('session-row').filter({ hasText: daoId })).toBeVisible();
    expect((await v.page.getByTestId('session-row').filter({ hasText: daoId }).innerText()).toLowerCase()).toContain('open');
    await v.page.getByRole('link', { name: `${daoId} v1` }).click();
    await see(v.page.getByRole('heading', { name: 'Propose' })).toBeVisible();
    // β from the service's advisor: the VSP wants 30 % for its group.
    await v.page.getByRole('textbox', { name: 'Target ownership of the joining group (%)' }).fill('30');
    await v.page.getByRole('button', { name: 'Suggest β' }).click();
    const suggestion = await api<{ betaPpm: number }>(vsp, '/suggestions/beta?targetOwnershipPpm=300000');
    expect(suggestion.betaPpm).toBe(700_000);
    await see(v.page.getByTestId('beta-suggestion')).toContainText('The service suggests β = 70 %');
    expect(await beta(v.page).inputValue()).toBe('70');
    await see(v.page.getByTestId(`implied-${dsp.mspId}`)).toHaveText('70 %');
    await see(v.page.getByTestId(`implied-${vsp.mspId}`)).toHaveText('30 %');
    await v.page.getByRole('combobox', { name: 'Workload 2 placement' }).selectOption('self-hosted');
    await expectAccessible(v.page, 'negotiation room (first proposal)');
    await shot(v.page, 'negotiation-propose');
    await v.page.getByRole('button', { name: 'Send proposal' }).click();
    await see(v.page.getByTestId('session-revision')).toHaveText('revision 1');
    await see(v.page.getByTestId('current-beta')).toHaveText('70 %');

    // The DSP's room shows it (from the live stream: the page polls only while it is not live) and counter-proposes β 80 %, a subscription, an hour's notice, a second computation.
    await see(d.page.getByTestId('session-revision')).toHaveText('revision 1');
    await see(d.page.getByTestId(`ownership-${vsp.mspId}`)).toHaveText('30 %');
    await see(d.page.getByRole('heading', { name: 'Counter-propose (revision 2)' })).toBeVisible();
    expect(await beta(d.page).inputValue()).toBe('70');
    await beta(d.page).fill('80');
    await see(d.page.getByTestId(`implied-${dsp.mspId}`)).toHaveText('80 %');
    await see(d.page.getByTestId(`implied-${vsp.mspId}`)).toHaveText('20 %');
    await d.page.getByRole('combobox', { name: 'Business model' }).selectOption('subscription');
    await d.page.getByRole('textbox', { name: /^Exit notice/ }).fill('3600');
    await d.page.getByRole('button', { name: 'Add a computation' }).click();
    await d.page.getByRole('textbox', { name: /^Computation 2/ }).fill('variance');
    await d.page.getByRole('group', { name: 'Result recipients of computation 2' }).getByRole('checkbox', { name: vsp.mspId }).uncheck();
    await d.page.getByRole('button', { name: 'Send counter-proposal' }).click();
    await see(d.page.getByTestId('session-revision')).toHaveText('revision 2');

    // What the pages show is what the service holds.
    const view = await api<{
      revision: number;
      proposal: { proposedBy: string; agreement: { betaPpm: number; documentDigest: string; members: Array<{ mspId: string; ownershipPpm: number }>; terms: Record<string, unknown>; infrastructure: { workloads: Array<{ owner: string; placement: string }> } } };
    }>(vsp, `/sessions/${sessionId}`);
    expect(view.revision).toBe(2);
    expect(view.proposal.proposedBy).toBe(dsp.mspId);
    // Both proposals were signed in their authors' pages, each answering the revision its page showed
    // (a page sends the certificate as pasted, trimmed; the CA's PEM ends with a newline).
    expect(await signedProposals(vsp, sessionId)).toEqual([
      { revision: 1, mspId: vsp.mspId, answers: 0, certificatePem: vsp.certificatePem.trim(), verified: true },
      { revision: 2, mspId: dsp.mspId, answers: 1, certificatePem: dsp.certificatePem.trim(), verified: true },
    ]);
    for (const page of [d.page, v.page]) await see(page.getByTestId('proposal-signature')).toContainText(`answers revision 1, proposal}: certificate SHA-256 ${fingerprintOf(dsp.certificatePem)}`);
    const agreement = view.proposal.agreement;
    expect(agreement.betaPpm).toBe(800_000);
    expect(agreement.members.map((m) => [m.mspId, m.ownershipPpm])).toEqual([
      [dsp.mspId, 800_000],
      [vsp.mspId, 200_000],
    ]);
    expect(agreement.terms).toMatchObject({ businessModel: 'subscription', exitNoticeSeconds: 3600, computations: [{ name: 'mean', resultRecipients: [dsp.mspId, vsp.mspId] }, { name: 'variance', resultRecipients: [dsp.mspId] }] });
    expect(agreement.infrastructure.workloads.map((w) => [w.owner, w.placement])).toEqual([
      [dsp.mspId, 'managed'],
      [vsp.mspId, 'self-hosted'],
    ]);
    for (const page of [d.page, v.page]) {
      await see(page.getByTestId('session-revision')).toHaveText('revision 2');
      await see(page.getByTestId('current-beta')).toHaveText('80 %');
      await see(page.getByTestId(`ownership-${dsp.mspId}`)).toHaveText('80 %');
      await see(page.getByTestId(`ownership-${vsp.mspId}`)).toHaveText('20 %');
      await see(page.getByTestId('term-business-model')).toHaveText('subscription');
      await see(page.getByTestId('term-document-digest')).toHaveText(agreement.documentDigest);
      await see(page.getByTestId('term-computations')).toHaveText(`mean → ${dsp.mspId}, ${vsp.mspId}; variance → ${dsp.mspId}`);
    }

    // Both sign and accept in their pages, the VSP first.
    const toSign = await api<{ sha256: string; revision: number }>(vsp, `/sessions/${sessionId}/agreement`);
    await v.page.getByRole('button', { name: 'Sign and accept revision 2' }).click();
    await see(v.page.getByTestId('signed-digest')).toContainText(toSign.sha256);
    await see(v.page.getByTestId(`accepted-${vsp.mspId}`)).toHaveText('signed');
    await see(d.page.getByTestId(`accepted-${vsp.mspId}`)).toHaveText('signed');
    const half = await api<{ status: string; acceptance: { complete: boolean; waitingFor: string[] } }>(dsp, `/sessions/${sessionId}`);
    expect(half).toMatchObject({ status: 'open', acceptance: { complete: false, waitingFor: [dsp.mspId] } });
    await expectAccessible(d.page, 'negotiation room (to sign)');
    await shot(d.page, 'negotiation-room');
    await d.page.getByRole('button', { name: 'Sign and accept revision 2' }).click();
    await see(d.page.getByTestId('agreed')).toBeVisible();
    await see(v.page.getByTestId('agreed')).toBeVisible();
    await expectAccessible(v.page, 'negotiation room (agreed)');
    await shot(v.page, 'negotiation-agreed');

    const agreed = await api<{ status: string; agreementId: string; acceptance: { complete: boolean } }>(dsp, `/sessions/${sessionId}`);
    expect(agreed).toMatchObject({ status: 'agreed', acceptance: { complete: true } });
    await see(d.page.getByTestId('agreed')).toContainText(agreed.agreementId);

    // The history as the service records it, in both pages.
    const history = await api<Array<{ change: string; mspId: string | null }>>(dsp, `/sessions/${sessionId}/history`);
    expect(history.map((x) => x.change)).toEqual(['created', 'proposed', 'proposed', 'accepted', 'accepted', 'agreed']);
    for (const page of [d.page, v.page]) {
      await see(page.getByTestId('history-item')).toHaveCount(history.length);
      const shown = await page.getByTestId('history-item').evaluateAll((items) => items.map((i) => i.getAttribute('data-change')));
      expect(shown).toEqual(history.map((x) => x.change));
    }

    // The published agreement: its signatures, made in the two pages, verify as the dao chaincode checks them.
    const [message] = await readTopic(neg.kafka, neg.topics.agreements, (ms) => ms.some((m) => m.key?.toString() === daoId), { lingerMs: 0 }).then((ms) => ms.filter((m) => m.key?.toString() === daoId));
    const reached = (JSON.parse(String(message!.value)) as { data: { agreement: { version: number; members: Array<{ mspId: string; group: string; ownershipPpm: number }> }; signatures: Array<{ mspId: string; enrollmentId: string; certificatePem: string; signature: string }> } }).data;
    expect(reached.agreement).toEqual(agreement);
    expect(reached.signatures.map((s) => [s.mspId, s.enrollmentId, s.certificatePem.trim()]).sort()).toEqual(
      [
        [dsp.mspId, dsp.enrollmentId, dsp.certificatePem.trim()],
        [vsp.mspId, vsp.enrollmentId, vsp.certificatePem.trim()],
      ].sort(),
    );
    const directory = neg.app.get(IdentityDirectory);
    const cas = new Map<string, string>();
    for (const m of [dsp, vsp]) cas.set(m.mspId, (await directory.get(m.mspId))!.caCertPem);
    const accepted = verifyAcceptances({ agreement: reached.agreement, members: reached.agreement.members, signatures: reached.signatures, caOf: (m) => cas.get(m), atMs: Date.now() });
    expect([...accepted].sort()).toEqual([dsp.mspId, vsp.mspId].sort());
    expect(() => checkConsent(reached.agreement, accepted)).not.toThrow();

    // Keys never left the pages.
    expect([...d.bodies, ...v.bodies].some((b) => b.includes('PRIVATE KEY'))).toBe(false);
    await dspContext.close();
    await vspContext.close();
  });

  it('asks for the key again after a reload, and shows the service refusing an acceptance and a counter-proposal signed by another key', async () => {
    const daoId = `nk-${hex(3)}`;
    const created = await fetch(`${neg.url}/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.get(dsp.mspId)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'formation', daoId, parties: [vsp.mspId] }),
    });
    expect(created.status).toBe(201);
    const sessionId = ((await created.json()) as { id: string }).id;
    const context = await browser.newContext();
    const { page } = await personIn(context);
    await signIn(page, vsp);
    await page.getByRole('link', { name: 'Negotiations' }).click();
    await page.getByRole('link', { name: `${daoId} v1` }).click();
    await beta(page).fill('60');
    await page.getByRole('button', { name: 'Send proposal' }).click();
    await see(page.getByTestId('session-revision')).toHaveText('revision 1');
    // A reload drops the key the page held since sign-in (the token stays, in this tab's storage).
    await page.reload();
    const keyBox = page.getByRole('textbox', { name: /^Private key \(PKCS#8 PEM\) to sign with/ });
    await see(keyBox).toBeVisible();
    await keyBox.fill(dsp.privateKeyPem);
    await page.getByRole('button', { name: 'Sign and accept revision 1' }).click();
    await see(page.getByRole('alert')).toContainText('INVALID_SIGNATURE');
    await expectAccessible(page, 'negotiation room (refused signature)');
    expect((await api<{ acceptances: unknown[] }>(vsp, `/sessions/${sessionId}`)).acceptances).toEqual([]);
    // A counter-proposal signed with the wrong key is refused too, and nothing is stored.
    await beta(page).fill('65');
    await page.getByRole('button', { name: 'Send counter-proposal' }).click();
    await see(page.getByRole('form', { name: 'Proposal' }).getByRole('alert')).toContainText('INVALID_SIGNATURE');
    expect((await api<{ revision: number }>(vsp, `/sessions/${sessionId}`)).revision).toBe(1);
    expect(await signedProposals(vsp, sessionId)).toEqual([{ revision: 1, mspId: vsp.mspId, answers: 0, certificatePem: vsp.certificatePem.trim(), verified: true }]);
    // With the right key: the counter-proposal goes through, and the page holds the key again.
    await keyBox.fill(vsp.privateKeyPem);
    await page.getByRole('button', { name: 'Send counter-proposal' }).click();
    await see(page.getByTestId('session-revision')).toHaveText('revision 2');
    await see(page.getByTestId('current-beta')).toHaveText('65 %');
    await see(keyBox).toHaveCount(0);
    expect((await signedProposals(vsp, sessionId)).map((p) => [p.revision, p.answers, p.verified])).toEqual([
      [1, 0, true],
      [2, 1, true],
    ]);
    await page.getByRole('button', { name: 'Sign and accept revision 2' }).click();
    await see(page.getByTestId(`accepted-${vsp.mspId}`)).toHaveText('signed');
    expect((await api<{ acceptances: Array<{ mspId: string }> }>(vsp, `/sessions/${sessionId}`)).acceptances.map((a) => a.mspId)).toEqual([vsp.mspId]);
    await context.close();
  });

  it('uses a negotiation client generated from the live OpenAPI document (regenerate with scripts/generate-clients.ts)', async () => {
    for (const client of CLIENTS.filter((c) => c.service === 'negotiation')) {
      const live = await clientSource(client.service, await fetchDocument(neg.url));
      expect(readFileSync(client.file, 'utf8')).toBe(live);
    }
  });
});
