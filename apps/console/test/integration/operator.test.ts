import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { MARKETPLACE_CHANNEL, OPERATOR_MSP, TOPICS } from '@datawell/contracts';
import { channelMembers, enrollClientIdentity, parkDomain, readMspPackage } from '@datawell/stack';
import { apiClient, login, stackAdminIdentity, testStackContext, type IdentityKeys } from '@datawell/testing';
import { expectBetween, operatorAdminApp, ordererChannelNames, type OperatorAdminApp } from '../../../../services/ledger-bridge/test/integration/harness';
import { eventually, MarketplaceHarness, onboardCommandOf } from '../../../../services/marketplace/test/integration/harness';
import { clientSource, CLIENTS, fetchDocument } from '../../scripts/clients';
import { buildConsole, DIST_DIR } from '../../server/build';
import { startConsoleServer, type ConsoleServer } from '../../server/serve';
import { participantOnLedger } from '../support/ledger';
import { expectAccessible, launchChromium, see } from '../support/browser';
import { dev, domainMember } from '../support/scenario';

/**
 * The operator's page in Debian's chromium, on the real network: the operator's administrator
 * (the stack's admin.operator, OperatorMSP with OU=admin) signs in with its key in the page, sees the
 * channels and their organisations as Fabric reports them (osnadmin, each channel's config block as
 * the stack's own helpers read it), suspends a participant with a reason and reinstates it (the
 * ledger records both), admits and rejects registrations waiting at the marketplace (its manual
 * admission), and a participant neither sees the page nor passes its routes. The participants are
 * trust domains of their own (`./dev domain add`), admitted from their public MSP packages: custody is
 * off in the marketplace and the bridge, as in production. The console is served with the real
 * marketplace (in-process with MARKETPLACE_ADMISSION=manual) and the operator's real ledger bridge
 * (operatorAdminApp, running on the marketplace's topics): its administration routes over the real
 * Fabric network, its network consumers onboarding what the page admits, and its relay of the
 * `marketplace` channel to the shared events topic, from which both identity directories and the
 * marketplace's read models learn the participants. Nothing here stands in for the bridge.
 */
jest.setTimeout(900_000);
/** A fresh domain (`./dev domain add`: OS user, stores, Kafka principal, CA, peer) admitted from its package. */
const ONBOARDING_MS = 1_200_000;

/**
 * A participant in its own trust domain (fixed: admitting it again is a no-op); not the bridge's
 * admin-network test's, which suspends its own beside this one in the integration tier.
 */
const DSP = 'OdDspMSP';
/** The domain this run made for the admission, set aside at the end. */
let made: string | undefined;

const ctx = testStackContext();
// The bridge relays to the shared ledger events topic, which the marketplace's identity directory reads.
const h = new MarketplaceHarness({ ledgerEvents: TOPICS.ledgerEvents });
let bridge: OperatorAdminApp;
/** A person of the DSP, enrolled at its own CA. */
let dsp: IdentityKeys;
let operator: ReturnType<typeof apiClient>;
let server: ConsoleServer;
let browser: BrowserContext;
let closeBrowser: () => Promise<void>;

/** Set to a folder to keep screenshots of the page (docs/img for docs/console.md). */
const SHOTS = process.env['CONSOLE_SCREENSHOTS_DIR'];

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `console-${name}.png`), fullPage: true });
}

type Listed = { mspId: string; status: string; sanction?: { reason: string } };

/** The registrations waiting at the marketplace, as its operator administrator lists them. */
async function awaiting(token: string): Promise<string[]> {
  const { body } = await h.http('GET', '/admin/admissions', undefined, token);
  return (body['admissions'] as Array<{ mspId: string }>).map((a) => a.mspId);
}

beforeAll(async () => {
  await Promise.all([buildConsole(), h.start({ env: { MARKETPLACE_ADMISSION: 'manual' } })]);
  bridge = await operatorAdminApp({ running: h.topics });
  operator = apiClient(bridge.url, () => stackAdminIdentity(ctx, OPERATOR_MSP));
  // Its domain (made once, reused), admitted by the operator's administrator from its public MSP package.
  await dev(['domain', 'add', DSP, '--role', 'DSP']);
  await operator.call('/admin/participants', { method: 'POST', body: { mspId: DSP, role: 'DSP', name: 'Operator console DSP' }, timeoutMs: 600_000 });
  dsp = (await domainMember(ctx, DSP, 'DSP')).identity;
  // A clean start: a run that stopped half-way may have left it suspended.
  const listed = (await operator.call<{ participants: Listed[] }>('/admin/participants')).participants.find((p) => p.mspId === DSP);
  if (listed?.status === 'suspended') await operator.call(`/admin/participants/${DSP}/reinstatement`, { method: 'POST', body: { reason: 'a clean start' } });
  // Both identity directories learn it (and any reinstatement) from the ledger's events, relayed by the bridge.
  await eventually('the marketplace knows the DSP', () => h.login(dsp).catch(() => ''), (t) => t !== '', 300_000);
  await eventually("the operator's bridge knows the DSP", () => login(bridge.url, dsp).catch(() => ''), (t) => t !== '', 300_000);
  // Nor any registration waiting at the marketplace (the schema outlives the runs): the page's queue starts empty.
  const adminToken = await h.login(stackAdminIdentity(ctx, OPERATOR_MSP));
  for (const mspId of await awaiting(adminToken)) await h.http('POST', `/admin/admissions/${mspId}/reject`, { reason: 'a clean start' }, adminToken);
  server = await startConsoleServer({ distDir: DIST_DIR, upstreams: { marketplace: h.baseUrl, operator: bridge.url } });
  ({ context: browser, close: closeBrowser } = await launchChromium());
});

afterAll(async () => {
  await closeBrowser?.();
  await server?.close();
  await bridge?.close();
  await h.stop();
  if (made) await parkDomain(ctx, made);
});

async function signIn(identity: IdentityKeys): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewportSize({ width: 1280, height: 860 });
  page.setDefaultTimeout(60_000);
  await page.goto(`${server.url}/sign-in`);
  await page.getByRole('textbox', { name: 'Certificate (PEM)' }).fill(identity.certificatePem);
  await page.getByRole('textbox', { name: 'Private key (PKCS#8 PEM)' }).fill(identity.privateKeyPem);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return page;
}

const onLedger = (mspId = DSP) => participantOnLedger<Listed & { role: string; name: string; caCertPem: string }>(mspId);

describe("the operator's page in a real browser", () => {
  it('shows the network as Fabric reports it, and suspends and reinstates a participant with a reason, recorded on the ledger', async () => {
    // Fabric's own view before and after the page read it: suites beside this one add channels and organisations.
    const [channelsBefore, marketplaceBefore] = [await ordererChannelNames(), await channelMembers(ctx, OPERATOR_MSP, MARKETPLACE_CHANNEL)];
    const page = await signIn(stackAdminIdentity(ctx, OPERATOR_MSP));
    await page.waitForURL(`${server.url}/operator`);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await see(nav.getByRole('link', { name: 'Operator' })).toBeVisible();
    await see(nav.getByRole('link', { name: 'My offers' })).toHaveCount(0);

    // The channels: those the first orderer lists (osnadmin), each with its config block's organisations.
    await see(page.getByTestId('channel-row').first()).toBeVisible();
    const [channelsAfter, marketplaceAfter] = [await ordererChannelNames(), await channelMembers(ctx, OPERATOR_MSP, MARKETPLACE_CHANNEL)];
    const shown = (await page.getByTestId('channel-row').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-channel') ?? ''))).sort();
    expectBetween(channelsBefore, shown, channelsAfter);
    const organisationsOf = async (channel: string) => (await page.locator(`[data-channel="${channel}"] [data-testid="channel-organisations"] .mantine-Badge-label`).allInnerTexts()).map((t) => t.trim());
    expectBetween(marketplaceBefore, await organisationsOf(MARKETPLACE_CHANNEL), marketplaceAfter);
    expect(await organisationsOf(MARKETPLACE_CHANNEL)).toContain(DSP);
    await see(page.getByTestId('orderer-row')).toHaveCount(ctx.settings.orderers);
    await see(page.locator(`[data-testid="peer-row"][data-msp="${OPERATOR_MSP}"]`)).toBeVisible();
    await see(page.locator(`[data-testid="participant-row"][data-msp="${DSP}"]`)).toHaveAttribute('data-status', 'active');
    await expectAccessible(page, 'operator');

    const reason = `posted misleading offers ${Date.now()}`;
    await page.getByRole('button', { name: `Suspend ${DSP}` }).click();
    const dialog = page.getByRole('dialog', { name: `Suspend ${DSP}` });
    await see(dialog).toBeVisible();
    await dialog.getByRole('textbox', { name: 'Reason' }).fill(reason);
    await expectAccessible(page, 'operator: the suspension dialog');
    await dialog.getByRole('button', { name: 'Suspend' }).click();
    await see(page.getByTestId('sanction-done')).toContainText(`${DSP} is suspended (${reason})`);
    const row = page.locator(`[data-testid="participant-row"][data-msp="${DSP}"]`);
    await see(row).toHaveAttribute('data-status', 'suspended');
    await see(row.getByTestId('participant-status')).toHaveText('SUSPENDED');
    await see(row.getByTestId('participant-sanction')).toContainText(reason);
    await shot(page, 'operator');
    expect(await onLedger()).toMatchObject({ status: 'suspended', sanction: { reason } });

    await row.getByRole('button', { name: `Reinstate ${DSP}` }).click();
    const reinstatement = page.getByRole('dialog', { name: `Reinstate ${DSP}` });
    await reinstatement.getByRole('textbox', { name: 'Reason' }).fill('the offers were corrected');
    await reinstatement.getByRole('button', { name: 'Reinstate' }).click();
    await see(row).toHaveAttribute('data-status', 'active');
    expect(await onLedger()).toMatchObject({ status: 'active', sanction: { reason: 'the offers were corrected' } });
    await expectAccessible(page, 'operator after a reinstatement');
    await page.close();
  });

  it('lists the registrations waiting at the marketplace, admits one (the real bridge admits its domain from its MSP package: on the ledger, active at the marketplace, on the page) and rejects one with a reason', async () => {
    // A fresh domain each run (the marketplace's schema outlives the runs): `./dev domain add` really makes its CA and peer.
    const admitted = `OdAdmit${h.run}MSP`;
    const rejected = `OdReject${h.run}MSP`;
    made = admitted;
    await dev(['domain', 'add', admitted, '--role', 'DSP']);
    const registration = await h.http('POST', '/participants', { mspId: admitted, role: 'DSP', name: 'Harbour Data Ltd' });
    expect(registration).toMatchObject({ status: 202, body: { admission: 'awaiting' } });
    expect((await h.http('POST', '/participants', { mspId: rejected, role: 'VSP', name: 'Unknown Analytics' })).status).toBe(202);

    const page = await signIn(stackAdminIdentity(ctx, OPERATOR_MSP));
    await page.waitForURL(`${server.url}/operator`);
    const rows = page.getByTestId('admission-row');
    await see(rows).toHaveCount(2);
    // Oldest first, each saying how its identities come (a domain's: its own CA).
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-msp')))).toEqual([admitted, rejected]);
    for (const m of [admitted, rejected]) await see(page.locator(`[data-testid="admission-row"][data-msp="${m}"] [data-testid="admission-identity"]`)).toContainText('its own CA');
    await expectAccessible(page, 'operator: pending admissions');

    await page.getByRole('button', { name: `Admit ${admitted}`, exact: true }).click();
    await see(page.getByTestId('admission-done')).toContainText(`${admitted} is admitted`);
    await see(page.getByTestId('admission-done')).toContainText(registration.body['commandId'] as string);
    await see(rows).toHaveCount(1);
    // The command on the topic (read here beside the bridge, which consumes it in its own group) is the
    // one registration would have sent with automatic admission.
    const command = await h.command(h.topics.networkCommands, onboardCommandOf(admitted));
    expect(command.value.data).toEqual({ kind: 'onboard-participant', commandId: registration.body['commandId'], mspId: admitted, role: 'DSP', name: 'Harbour Data Ltd', ownCa: true });
    expect(await h.http('GET', `/participants/${admitted}`)).toMatchObject({ body: { status: 'pending', admission: 'admitted' } });

    const reason = `no company of that name ${Date.now()}`;
    await page.getByRole('button', { name: `Reject ${rejected}`, exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Reject ${rejected}` });
    await see(dialog).toBeVisible();
    expect(await dialog.getByRole('button', { name: 'Reject' }).isDisabled()).toBe(true);
    await dialog.getByRole('textbox', { name: 'Reason' }).fill(reason);
    await expectAccessible(page, 'operator: the rejection dialog');
    await dialog.getByRole('button', { name: 'Reject' }).click();
    await see(page.getByTestId('admission-done')).toContainText(`${rejected} is rejected (${reason})`);
    await see(page.getByTestId('no-admissions')).toBeVisible();
    await see(page.getByTestId('admissions')).toHaveCount(0);
    expect(await h.http('GET', `/participants/${rejected}`)).toMatchObject({ body: { status: 'rejected', rejection: { reason } } });
    expect(h.received.filter((r) => r.value.data['mspId'] === rejected)).toEqual([]);
    await expectAccessible(page, 'operator: no pending admission');

    // The operator's bridge admits the admitted organisation from its domain's public MSP package; its
    // ParticipantRegistered, relayed from the ledger, makes it active at the marketplace.
    // (A failed admission ends the wait too: its code and message are then in the mismatch.)
    const profile = await eventually('the admitted participant onboarded', () => h.http('GET', `/participants/${admitted}`), (r) => r.body['status'] !== 'pending', ONBOARDING_MS);
    expect(profile.body).toMatchObject({ mspId: admitted, role: 'DSP', name: 'Harbour Data Ltd', status: 'active', admission: 'admitted' });
    expect(await onLedger(admitted)).toMatchObject({ mspId: admitted, role: 'DSP', name: 'Harbour Data Ltd', status: 'active', caCertPem: readMspPackage(ctx, admitted).cacerts[0] });
    expect(await channelMembers(ctx, OPERATOR_MSP, MARKETPLACE_CHANNEL)).toContain(admitted);
    // Its people sign in with identities its own CA issued: the marketplace knows it from the ledger.
    const person = (await domainMember(ctx, admitted, 'DSP')).identity;
    await eventually('the marketplace knows the admitted organisation', () => h.login(person).catch(() => ''), (t) => t !== '', 300_000);
    // The rejected one never reached the ledger.
    await expect(onLedger(rejected)).rejects.toThrow(/is not a registered participant/);

    // The page, read again: the participant on the ledger, active, and its organisation in `marketplace` as Fabric reports it.
    await page.reload();
    await see(page.locator(`[data-testid="participant-row"][data-msp="${admitted}"]`)).toHaveAttribute('data-status', 'active');
    await see(page.locator(`[data-channel="${MARKETPLACE_CHANNEL}"] [data-testid="channel-organisations"] .mantine-Badge-label`).filter({ hasText: admitted })).toHaveCount(1);
    await see(page.getByTestId('no-admissions')).toBeVisible();
    await page.close();
  }, ONBOARDING_MS + 300_000);

  it("hides the page from a participant, whose token the operator's routes refuse", async () => {
    const identity = dsp;
    const page = await signIn(identity);
    await page.waitForURL(`${server.url}/my/offers`);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await see(nav.getByRole('link', { name: 'My offers' })).toBeVisible();
    await see(nav.getByRole('link', { name: 'Operator' })).toHaveCount(0);
    await page.goto(`${server.url}/operator`);
    await see(page.getByTestId('not-operator')).toBeVisible();
    await see(page.getByTestId('participants')).toHaveCount(0);
    // The route itself, through the console's proxy, with the participant's own token at the operator's bridge.
    const token = await login(bridge.url, identity);
    for (const path of ['/admin/network', '/admin/participants']) {
      const refused = await fetch(`${server.url}/api/operator${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect([path, refused.status, ((await refused.json()) as { code?: string }).code]).toEqual([path, 403, 'FORBIDDEN']);
      expect((await fetch(`${server.url}/api/operator${path}`)).status).toBe(401);
    }
    // The marketplace's admission routes too, with the participant's own token there.
    const marketplaceToken = await h.login(identity);
    for (const [method, path] of [['GET', '/admin/admissions'], ['POST', `/admin/admissions/${DSP}/admit`]] as const) {
      const refused = await fetch(`${server.url}/api/marketplace${path}`, { method, headers: { authorization: `Bearer ${marketplaceToken}` } });
      expect([path, refused.status, ((await refused.json()) as { code?: string }).code]).toEqual([path, 403, 'FORBIDDEN']);
      expect((await fetch(`${server.url}/api/marketplace${path}`, { method })).status).toBe(401);
    }
    await expectAccessible(page, 'operator page to a participant');
    await page.close();
  });

  it("tells an operator identity that is not an administrator that the console is not for it, and keeps no session", async () => {
    const client = await enrollClientIdentity(ctx, OPERATOR_MSP, `console-it-${Date.now().toString(36)}`);
    const page = await signIn(client);
    await see(page.getByRole('alert')).toContainText('is an operator identity that is not an administrator (OU=admin)');
    await see(page.getByTestId('signed-in-as')).toHaveCount(0);
    await expectAccessible(page, 'sign-in refused to an operator client');
    await page.close();
  });

  it("uses an operator client generated from the operator's bridge's live OpenAPI document (regenerate with scripts/generate-clients.ts --operator <url>)", async () => {
    for (const client of CLIENTS.filter((c) => c.service === 'operator')) {
      expect(readFileSync(client.file, 'utf8')).toBe(await clientSource(client.service, await fetchDocument(bridge.url)));
    }
  });
});
