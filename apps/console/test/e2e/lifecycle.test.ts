/**
 * It uses the console's shared member domains (Cn…), which one file at a time does. (The e2e tier runs two files at once: libs/testing/src/jest/tier-locks.ts.)
 *
 * @e2eLock console
 */
import { randomBytes, randomInt } from 'node:crypto';
import { join } from 'node:path';
import { channelAdmin, channelOrganisations, serviceUrl } from '@datawell/stack';
import { until, type DomainMember } from '@datawell/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expectAccessible, see } from '../support/browser';
import { expectChannelAsFabric, expectRevenueAsBridge, expectVersionAsBridge, ownService, split } from '../support/dao-page';
import { bridgeAs, consoleDomains, signIn, type ConsoleDomains } from '../support/scenario';

/**
 * The whole life cycle in Debian's chromium, a DSP and a VSP each in its own browser context on the
 * console of its OWN trust domain (its own ledger bridge, provisioner and telemetry behind it), on
 * the real stack: both sign in with their keys in their pages; the VSP posts a value offer (signed
 * through its own bridge); the DSP finds it in the catalogue and opens a formation from it; the VSP
 * proposes, the DSP counter-proposes, each proposal signed in its author's page; both sign and
 * accept. The agreement is all a person does to form the DAO: the operator's bridge forms the channel
 * from the members' MSP packages, each member's own bridge joins its peer and approves, the DSP's
 * initialises version 1, and each member's own provisioner builds its managed workload. Both pages
 * then show version 1 with the members Fabric reports on its channel, and the jobs each member's own
 * provisioner reports; the DSP records revenue in its page and both pages show the payouts its
 * bridge's allocations hold, which equal `./dev economics split` of the agreed β. Every page visited
 * is scanned with axe.
 */
jest.setTimeout(900_000);

const SHOTS = process.env['CONSOLE_SCREENSHOTS_DIR'];
/** How long the DAO may take to form after the last signature: the channel, both peers joined, the chaincode approved and committed, InitVersion. */
const FORMATION_MS = 240_000;
/** How long each member's own provisioner may take to build its managed workload and the chaincode to have every part. */
const PROVISIONING_MS = 240_000;
/**
 * How long a page may take to show what a write through a service made (a session another member
 * opened, both signatures, a revenue transaction committed), as the offer's waits: see()'s default
 * 30 s is for what a page shows by itself, and the e2e tier runs two files at once on two cores.
 */
const LEDGER_MS = 90_000;

let domains: ConsoleDomains | undefined;
let dsp: DomainMember;
let vsp: DomainMember;
let browser: Browser;

beforeAll(async () => {
  domains = await consoleDomains([
    ['CnDspMSP', 'DSP'],
    ['CnVsp1MSP', 'VSP'],
  ]);
  ({ browser } = domains);
  dsp = domains.members['CnDspMSP']!;
  vsp = domains.members['CnVsp1MSP']!;
});

afterAll(async () => {
  await domains?.close();
});

interface Person {
  readonly m: DomainMember;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Every request body the page sent (the private key must be in none). */
  readonly bodies: string[];
}

async function personAt(m: DomainMember): Promise<Person> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const bodies: string[] = [];
  page.on('request', (r) => bodies.push(r.postData() ?? ''));
  return { m, context, page, bodies };
}

/** axe on the page as it is, the pointer off the navigation (a hovered link is not what axe is asked about). */
async function accessible(p: Person, what: string): Promise<void> {
  await p.page.mouse.move(1200, 880);
  await expectAccessible(p.page, `${what} (${p.m.role})`);
}

async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS) await page.screenshot({ path: join(SHOTS, `console-${name}.png`), fullPage: true });
}

const beta = (page: Page) => page.getByRole('textbox', { name: /^β \(%\)/ });

/** The member's own bridge's answer until `ok` holds of it. */
async function bridgeUntil<T>(m: DomainMember, path: string, ok: (body: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const answer = await bridgeAs(m, 'GET', path);
    last = answer.body;
    if (answer.status === 200 && ok(answer.body as unknown as T)) return answer.body as unknown as T;
    if (Date.now() > deadline) throw new Error(`${what}: still ${answer.status} ${JSON.stringify(last).slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

describe('the life cycle of a DAO of two trust domains, in two browsers', () => {
  it('edits and withdraws an offer in the page through the member’s own bridge, as the marketplace then holds it from the ledger', async () => {
    const ctx = domains!.ctx;
    const v = await personAt(vsp);
    const base = await domains!.consoleOf(vsp);
    await signIn(v.page, base, vsp);
    const catalogue = async () => {
      const answer = await fetch(`${serviceUrl(ctx.settings, 'marketplace')}/offers/${encodeURIComponent(offerId)}`);
      return (await answer.json()) as { owner: { mspId: string }; status: string; revision: number; title: string; description: string | null };
    };
    const catalogueUntil = async (ok: (o: Awaited<ReturnType<typeof catalogue>>) => boolean, what: string) => {
      const deadline = Date.now() + 90_000;
      for (;;) {
        const o = await catalogue();
        if (ok(o)) return o;
        if (Date.now() > deadline) throw new Error(`${what}: the catalogue still has ${JSON.stringify(o)}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    };

    // An offer of its own, posted in its page (through its own bridge).
    const tag = `ed${randomBytes(3).toString('hex')}`;
    const title = `Pressure anomalies ${tag}`;
    await v.page.getByRole('link', { name: 'My offers' }).click();
    await v.page.getByRole('button', { name: 'Post a value offer' }).click();
    const form = v.page.getByRole('form', { name: 'Post offer' });
    await form.getByRole('textbox', { name: 'Title' }).fill(title);
    await form.getByRole('textbox', { name: /^Description/ }).fill(`Flags pressure anomalies. ${tag}`);
    await form.getByRole('textbox', { name: /^Tags/ }).fill(tag);
    await form.getByRole('textbox', { name: 'Service' }).fill('anomalies');
    await form.getByRole('textbox', { name: /^Computations/ }).fill('mean');
    await form.getByRole('button', { name: 'Post offer' }).click();
    const listed = v.page.getByRole('link', { name: title });
    await see(listed, 90_000).toBeVisible();
    const offerId = decodeURIComponent((await listed.getAttribute('href'))!.split('/offers/')[1]!);
    const posted = await catalogueUntil((o) => o.status === 'open' && o.description !== null, 'posted');
    expect(posted).toMatchObject({ owner: { mspId: vsp.mspId }, revision: 1, title });

    // Edited in its page: UpdateOffer signed through its own bridge; the catalogue holds the ledger's revision 2 and the new text.
    await listed.click();
    await see(v.page.getByRole('heading', { name: title })).toBeVisible();
    await v.page.getByRole('button', { name: 'Edit offer' }).click();
    const edit = v.page.getByRole('form', { name: 'Save changes' });
    const renamed = `Pressure and flow anomalies ${tag}`;
    await edit.getByRole('textbox', { name: 'Title' }).fill(renamed);
    await edit.getByRole('textbox', { name: /^Description/ }).fill(`Flags pressure and flow anomalies. ${tag}`);
    await accessible(v, 'offer, editing');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    const edited = await catalogueUntil((o) => o.revision === 2 && o.description !== null, 'edited');
    expect(edited).toMatchObject({ status: 'open', title: renamed, description: `Flags pressure and flow anomalies. ${tag}` });

    // Withdrawn in its page: WithdrawOffer signed through its own bridge; the catalogue holds it withdrawn.
    await see(v.page.getByRole('heading', { name: renamed }), 90_000).toBeVisible();
    await see(v.page.getByRole('button', { name: 'Withdraw offer' }), 90_000).toBeVisible();
    await v.page.getByRole('button', { name: 'Withdraw offer' }).click();
    await v.page.getByRole('dialog').getByRole('button', { name: 'Withdraw', exact: true }).click();
    const withdrawn = await catalogueUntil((o) => o.status === 'withdrawn', 'withdrawn');
    expect(withdrawn).toMatchObject({ owner: { mspId: vsp.mspId }, revision: 3, title: renamed });
    await v.context.close();
  });

  it('goes from sign-in through an offer, a negotiation with a counter-proposal and signatures to the formed DAO, its provisioning, revenue and payouts', async () => {
    const ctx = domains!.ctx;
    const [d, v] = [await personAt(dsp), await personAt(vsp)];
    const [dspBase, vspBase] = [await domains!.consoleOf(dsp), await domains!.consoleOf(vsp)];
    expect(dspBase).not.toBe(vspBase);

    // Sign-in on each member's own console, the key in the page.
    await d.page.goto(`${dspBase}/sign-in`);
    await accessible(d, 'sign-in');
    await signIn(d.page, dspBase, dsp);
    await signIn(v.page, vspBase, vsp);

    // The VSP posts a value offer in its page: PostOffer signed through its own bridge, the description given to the catalogue.
    const tag = `lc${randomBytes(3).toString('hex')}`;
    const title = `Leak detection ${tag}`;
    await v.page.getByRole('link', { name: 'My offers' }).click();
    await v.page.getByRole('button', { name: 'Post a value offer' }).click();
    const form = v.page.getByRole('form', { name: 'Post offer' });
    await form.getByRole('textbox', { name: 'Title' }).fill(title);
    await form.getByRole('textbox', { name: /^Description/ }).fill(`Finds leaks from pressure readings. ${tag}`);
    await form.getByRole('textbox', { name: /^Tags/ }).fill(tag);
    await form.getByRole('textbox', { name: 'Service' }).fill('leaks');
    await form.getByRole('textbox', { name: /^Computations/ }).fill('mean');
    await form.getByRole('textbox', { name: /^Infrastructure needs/ }).fill('{"cpu": 1}');
    await accessible(v, 'my offers, posting');
    await form.getByRole('button', { name: 'Post offer' }).click();
    const listed = v.page.getByRole('link', { name: title });
    await see(listed, 90_000).toBeVisible();
    await accessible(v, 'my offers');
    // The catalogue's answer: the VSP's offer, open on the ledger, with the description the page gave it (the ledger holds only its digest).
    const offerId = decodeURIComponent((await listed.getAttribute('href'))!.split('/offers/')[1]!);
    const inCatalogue = (await (await fetch(`${serviceUrl(ctx.settings, 'marketplace')}/offers/${encodeURIComponent(offerId)}`)).json()) as { owner: { mspId: string }; status: string; description: string | null; title: string };
    expect(inCatalogue).toMatchObject({ owner: { mspId: vsp.mspId }, status: 'open', title, description: `Finds leaks from pressure readings. ${tag}` });

    // The DSP finds it in the catalogue and opens a formation with its owner from it.
    await d.page.getByRole('link', { name: 'Catalogue' }).click();
    await d.page.getByRole('textbox', { name: 'Search', exact: true }).fill(tag);
    await d.page.keyboard.press('Enter');
    await see(d.page.getByRole('link', { name: title })).toBeVisible();
    await accessible(d, 'catalogue');
    await d.page.getByRole('link', { name: title }).click();
    await see(d.page.getByRole('heading', { name: title })).toBeVisible();
    await accessible(d, 'offer');
    await d.page.getByRole('link', { name: `Negotiate a DAO with ${vsp.mspId}` }).click();
    await see(d.page.getByRole('heading', { name: 'Form a DAO' })).toBeVisible();
    expect(await d.page.getByRole('textbox', { name: /^VSPs/ }).inputValue()).toBe(vsp.mspId);
    const daoId = `lc-${randomBytes(3).toString('hex')}`;
    await d.page.getByRole('textbox', { name: /^DAO id/ }).fill(daoId);
    await accessible(d, 'negotiations');
    await d.page.getByRole('button', { name: 'Open session' }).click();
    await d.page.waitForURL(/\/negotiations\/ses-/);
    await see(d.page.getByTestId('no-proposal')).toBeVisible();

    // The VSP proposes β 70 % from its page (a longer abandonment than the form's default: the test's pauses are not abandonment).
    await v.page.getByRole('link', { name: 'Negotiations' }).click();
    await see(v.page.getByTestId('session-row').filter({ hasText: daoId }), LEDGER_MS).toBeVisible();
    await accessible(v, 'negotiations');
    await v.page.getByRole('link', { name: `${daoId} v1` }).click();
    await see(v.page.getByRole('heading', { name: 'Propose' })).toBeVisible();
    await beta(v.page).fill('70');
    await v.page.getByRole('textbox', { name: /^Abandoned after/ }).fill('600');
    await accessible(v, 'negotiation room, proposing');
    await v.page.getByRole('button', { name: 'Send proposal' }).click();
    await see(v.page.getByTestId('session-revision')).toHaveText('revision 1');

    // The DSP counter-proposes β 80 %; both sign and accept revision 2 in their pages, the VSP first.
    await see(d.page.getByTestId('session-revision')).toHaveText('revision 1');
    await see(d.page.getByRole('heading', { name: 'Counter-propose (revision 2)' })).toBeVisible();
    await beta(d.page).fill('80');
    await d.page.getByRole('button', { name: 'Send counter-proposal' }).click();
    await see(d.page.getByTestId('session-revision')).toHaveText('revision 2');
    for (const p of [d, v]) await see(p.page.getByTestId('current-beta')).toHaveText('80 %');
    await v.page.getByRole('button', { name: 'Sign and accept revision 2' }).click();
    await see(d.page.getByTestId(`accepted-${vsp.mspId}`)).toHaveText('signed');
    await accessible(d, 'negotiation room, to sign');
    await d.page.getByRole('button', { name: 'Sign and accept revision 2' }).click();
    for (const p of [d, v]) await see(p.page.getByTestId('agreed'), LEDGER_MS).toBeVisible();

    // Nothing more to do: the agreement forms the DAO through the operator's bridge and the members' own; both rooms say so.
    for (const p of [d, v]) await see(p.page.getByTestId('formed'), FORMATION_MS).toBeVisible();
    await accessible(v, 'negotiation room, formed');
    await shot(v.page, 'lifecycle-formed');

    // Version 1 in both pages: its channel's members as Fabric reports them (the DSP's admin fetches the
    // channel's config block), and β, ownership and entitlements as each member's own bridge reads them.
    // The session is formed once the DSP's bridge initialised the version; the other member's peer may still be catching up on the channel's blocks.
    for (const m of [dsp, vsp]) await bridgeUntil(m, `/daos/${daoId}/versions/1/entitlements`, () => true, FORMATION_MS, `${daoId} v1 at ${m.mspId}'s own bridge`);
    const channel = `dao-${daoId}-v1`;
    // A new channel's orderer answers SERVICE_UNAVAILABLE until its consenters have a leader: asked again until it answers.
    const fabricMembers = await until(`the organisations of ${channel} as Fabric reports them`, () => channelOrganisations(channelAdmin(ctx, dsp.mspId), channel), 60_000, 2000);
    expect([...fabricMembers].sort()).toEqual([dsp.mspId, vsp.mspId].sort());
    for (const p of [d, v]) {
      await p.page.getByTestId('formed').getByRole('link', { name: `Open DAO ${daoId}` }).click();
      await see(p.page.getByRole('heading', { name: `DAO ${daoId}` })).toBeVisible();
      const shown = await expectVersionAsBridge(p.page, p.m, daoId, 1);
      expect([...shown.members].sort()).toEqual([...fabricMembers].sort());
      const rows = await p.page.getByTestId('version-1').getByTestId('member-row').evaluateAll((r) => r.map((x) => x.getAttribute('data-msp')));
      expect([...rows].sort()).toEqual([...fabricMembers].sort());
      await see(p.page.getByTestId('version-1').getByTestId('channel')).toHaveText(channel);
      await see(p.page.getByTestId('version-1').getByTestId('beta')).toHaveText('80 %');
      // The channel's organisations the page shows (its bridge reads Fabric's config from the member's own
      // peer) against the config block this member's admin fetches here, and the DSP's admin above.
      expect(await expectChannelAsFabric(p.page, ctx, p.m, daoId, 1)).toEqual([...fabricMembers].sort());
    }

    // Provisioning: each member's own provisioner builds its managed workload and reports its part; the
    // chaincode has every part (the DSP's bridge reads it provisioned). Each page shows its own
    // provisioner's jobs for the DAO, finished, as that provisioner answers them.
    await bridgeUntil<{ infrastructureStatus?: string }>(dsp, `/daos/${daoId}/versions/1/state`, (s) => s.infrastructureStatus === 'provisioned' || s.infrastructureStatus === 'failed', PROVISIONING_MS, `${daoId} v1 provisioned`).then((s) =>
      expect(s.infrastructureStatus).toBe('provisioned'),
    );
    for (const p of [d, v]) {
      const jobs = (await ownService<Array<{ id: string; daoId: string; state: string; progress: number }>>(ctx, p.m, 'provisioner', '/jobs')).filter((j) => j.daoId === daoId);
      expect(jobs.length).toBeGreaterThan(0);
      expect(jobs.map((j) => j.state)).toEqual(jobs.map(() => 'completed'));
      await see(p.page.getByTestId('job-row')).toHaveCount(jobs.length);
      for (const j of jobs) {
        const row = p.page.locator(`[data-testid="job-row"][data-job="${j.id}"]`);
        await see(row.getByTestId('job-progress')).toHaveText(`${j.progress} %`);
        await see(row.getByTestId('job-state')).toHaveText(j.state.toUpperCase());
      }
      // The DAO's workloads its own telemetry has folded: each on the page with its owner.
      const workloads = (await ownService<Array<{ workloadId: string; daoId: string; owner: string }>>(ctx, p.m, 'telemetry', '/workloads')).filter((w) => w.daoId === daoId);
      for (const w of workloads) await see(p.page.locator(`[data-testid="workload-row"][data-workload="${w.workloadId}"]`).getByTestId('workload-owner')).toHaveText(w.owner);
    }

    // Revenue, recorded in the DSP's page through its own bridge; the payouts both pages show are the
    // allocations each member's bridge reads, and `./dev economics split` of the agreed β.
    const revenue = String(randomInt(100_000, 10_000_000));
    const record = d.page.getByRole('form', { name: 'Record revenue' });
    await record.getByRole('textbox', { name: /^Revenue \(minor units\)/ }).fill(revenue);
    await accessible(d, 'a DAO, recording revenue');
    await record.getByRole('button', { name: 'Record revenue' }).click();
    // A transaction through the DSP's own bridge, committed in a block: as long as the ledger's other waits here.
    await see(d.page.getByTestId('revenue-recorded'), LEDGER_MS).toBeVisible();
    const betaPpm = ((await bridgeAs(dsp, 'GET', `/daos/${daoId}/versions/1/state`)).body as unknown as { betaPpm: number }).betaPpm;
    expect(betaPpm).toBe(800_000);
    const expected = await split(revenue, [betaPpm], { d: dsp.mspId, joiners: [vsp.mspId] });
    for (const p of [d, v]) {
      await see(p.page.getByTestId('revenue-event'), 60_000).toHaveCount(1);
      expect(await expectRevenueAsBridge(p.page, p.m, daoId, [1], revenue)).toEqual(expected);
      // …and the entitlements of version 1 as its bridge now reads them.
      const after = await expectVersionAsBridge(p.page, p.m, daoId, 1);
      expect(after.amounts).toEqual(expected);
      await accessible(p, 'a DAO');
    }
    await shot(d.page, 'lifecycle-dao');

    // My DAOs lists it in both.
    for (const p of [d, v]) {
      await p.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My DAOs' }).click();
      await see(p.page.getByTestId('daos').getByTestId('dao-row').filter({ hasText: daoId })).toContainText('v1');
      await accessible(p, 'my DAOs');
    }

    // The keys never left the pages.
    expect([...d.bodies, ...v.bodies].filter((b) => b.includes('PRIVATE KEY'))).toEqual([]);
    await d.context.close();
    await v.context.close();
  });
});
