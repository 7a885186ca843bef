import { mkdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { OPERATOR_MSP, TOPICS } from '@datawell/contracts';
import { apiClient, stackAdminIdentity, testStackContext } from '@datawell/testing';
import { operatorAdminApp, type OperatorAdminApp } from '../../../../services/ledger-bridge/test/integration/harness';
import { eventually, hex, MarketplaceHarness, heldOrganisation, type Member, type Received } from '../../../../services/marketplace/test/integration/harness';
import { clientSource, CLIENTS, fetchDocument } from '../../scripts/clients';
import { buildConsole, DIST_DIR } from '../../server/build';
import { startConsoleServer, type ConsoleServer } from '../../server/serve';
import { launchChromium, see, seriousViolations } from '../support/browser';

/**
 * The console in Debian's chromium against the real marketplace (in-process on the shared stack's
 * PostgreSQL and Kafka) and the operator's real ledger bridge on its topics (operatorAdminApp running):
 * the bridge onboards the DSP and the VSP (organisations its tooling holds, through its administration
 * route), submits their offers' transactions as them, and relays the chaincode's events back, from
 * which the marketplace learns the participants and the offers. Anonymous search, sign-in with the participant's real key signed in the page, post / edit /
 * withdraw recorded on the ledger, the expired and refused token messages, a phone layout, axe-core on
 * every page.
 */
jest.setTimeout(900_000);

// The bridge relays to the shared ledger events topic, which the marketplace's identity directory reads.
const h = new MarketplaceHarness({ ledgerEvents: TOPICS.ledgerEvents });
let bridge: OperatorAdminApp;
/** Organisations the operator's tooling holds, reused across runs (onboarding them again is a no-op); a fresh identity of each per run. */
const [DSP, VSP] = ['CcDspMSP', 'CcVspMSP'];
let dsp: Member;
let vsp: Member;
let server: ConsoleServer;
let browser: BrowserContext;
let closeBrowser: () => Promise<void>;
/** Set to a folder to keep screenshots of the main pages (docs/img for docs/console.md). */
const SHOTS = process.env['CONSOLE_SCREENSHOTS_DIR'];

beforeAll(async () => {
  await Promise.all([buildConsole(), h.start()]);
  bridge = await operatorAdminApp({ running: h.topics });
  // Onboarded by the operator's real bridge through its administration route, as the operator's administrator.
  const operator = apiClient(bridge.url, () => stackAdminIdentity(testStackContext(), OPERATOR_MSP));
  const onboardAtBridge = (body: { mspId: string; role: 'DSP' | 'VSP'; name: string }) => operator.call('/admin/participants', { method: 'POST', body });
  dsp = await heldOrganisation(h, DSP, 'DSP', onboardAtBridge);
  vsp = await heldOrganisation(h, VSP, 'VSP', onboardAtBridge);
  server = await startConsoleServer({ distDir: DIST_DIR, upstreams: { marketplace: h.baseUrl } });
  ({ context: browser, close: closeBrowser } = await launchChromium());
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await closeBrowser?.();
  await server?.close();
  await bridge?.close();
  await h.stop();
});

/** A new tab (its own sessionStorage) of the one fresh browser profile. */
async function newPage(viewport = { width: 1280, height: 860 }): Promise<{ page: Page }> {
  const page = await browser.newPage();
  await page.setViewportSize(viewport);
  page.setDefaultTimeout(30_000);
  return { page };
}

async function expectAccessible(page: Page, what: string): Promise<void> {
  // A dialog fades in: scanned mid-transition, its text is still translucent and fails the contrast
  // rule (a CI flake). Scan what a person reads, once every transition has ended.
  await page.waitForFunction("document.getAnimations().every((a) => a.playState !== 'running')");
  const violations = await seriousViolations(page);
  expect({ page: what, violations }).toEqual({ page: what, violations: [] });
}

async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS) await page.screenshot({ path: join(SHOTS, `console-${name}.png`), fullPage: true });
}

/** A script that puts a stored session in the tab before the console loads, once. */
const seed = (session: Record<string, string>) =>
  `if (!sessionStorage.getItem('seeded')) { sessionStorage.setItem('seeded', '1'); sessionStorage.setItem('datawell.console.session', ${JSON.stringify(JSON.stringify(session))}); }`;

const argumentOf = (r: Received) => JSON.parse((r.value.data['arguments'] as string[])[0]!) as Record<string, unknown>;

/**
 * The ledger command the page caused, as the marketplace sent it (read here beside the operator's
 * bridge, which consumes it in its own group and submits it as its owner); the page shows the outcome
 * once the chaincode's event comes back through the bridge's relay.
 */
async function sent(transaction: 'PostOffer' | 'UpdateOffer' | 'WithdrawOffer', owner: Member, match: (argument: Record<string, unknown>, r: Received) => boolean) {
  const cmd = await h.command(h.topics.ledgerCommands, (r) => r.value.data['transaction'] === transaction && r.value.data['actingMspId'] === owner.mspId && match(transaction === 'WithdrawOffer' ? {} : argumentOf(r), r));
  return { cmd, argument: transaction === 'WithdrawOffer' ? {} : argumentOf(cmd) };
}

describe('the console in a real browser', () => {
  const valueTag = `vt${hex()}`;
  let valueOfferId: string;

  beforeAll(async () => {
    // A value offer of the VSP, through the API and the ledger, for the anonymous visitor to find.
    const posted = await h.http('POST', '/offers', { kind: 'value', title: `Demand forecasting ${valueTag}`, description: `Forecasts of water demand from buoy readings. ${valueTag}`, tags: ['forecast', valueTag], service: 'forecasting', computations: ['mean'], infrastructure: { cpu: 2 } }, vsp.token);
    expect(posted.status).toBe(202);
    valueOfferId = posted.body['offerId'] as string;
    await sent('PostOffer', vsp, (a) => a['offerId'] === valueOfferId);
    await eventually('open', () => h.http('GET', `/offers/${valueOfferId}`), (r) => r.body['status'] === 'open', 120_000);
  });

  it('lets an anonymous visitor search the catalogue by text, role and kind, and open an offer', async () => {
    const { page } = await newPage();
    const started = Date.now();
    await page.goto(server.url);
    await page.getByTestId('result-count').waitFor();
    const firstRenderMs = await page.evaluate<number>('performance.now()');
    const fcp = await page.evaluate<number | null>("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null");
    process.stdout.write(`console: catalogue first render ${Math.round(firstRenderMs)} ms (first contentful paint ${fcp === null ? '?' : Math.round(fcp)} ms, wall ${Date.now() - started} ms), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
    expect(page.url()).toBe(`${server.url}/`);
    await expectAccessible(page, 'catalogue');

    await page.getByRole('textbox', { name: 'Search', exact: true }).fill(`forecasts ${valueTag}`);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await see(page.getByTestId('offer-card')).toHaveCount(1);
    expect(await page.getByTestId('offer-card').innerText()).toContain(`Demand forecasting ${valueTag}`);
    expect(page.url()).toContain(`q=forecasts+${valueTag}`);
    await shot(page, 'catalogue');

    // The URL is the search: role and kind filters exclude it, the matching ones keep it.
    await page.goto(`${server.url}/?tags=${valueTag}&role=DSP`);
    await see(page.getByTestId('result-count')).toHaveText('No open offer matches.');
    await page.goto(`${server.url}/?tags=${valueTag}&role=VSP&kind=value`);
    await see(page.getByTestId('offer-card')).toHaveCount(1);
    await page.goto(`${server.url}/?tags=${valueTag}&minReputation=4`);
    await see(page.getByTestId('result-count')).toHaveText('No open offer matches.');

    await page.goto(`${server.url}/?tags=${valueTag}`);
    await page.getByRole('link', { name: `Demand forecasting ${valueTag}` }).click();
    await see(page.getByRole('heading', { level: 2 })).toHaveText(`Demand forecasting ${valueTag}`);
    expect(await page.getByTestId('offer-description').innerText()).toContain('Forecasts of water demand');
    // Anonymous: no owner actions.
    expect(await page.getByRole('button', { name: 'Edit offer' }).count()).toBe(0);
    await expectAccessible(page, 'offer detail');
    await page.close();
  });

  it('signs a DSP in with its real key in the page, posts an offer that opens when the ledger records it, edits and withdraws it', async () => {
    const { page } = await newPage();
    const bodies: string[] = [];
    page.on('request', (r) => bodies.push(r.postData() ?? ''));
    await page.goto(`${server.url}/sign-in`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expectAccessible(page, 'sign-in');
    await page.getByRole('textbox', { name: 'Certificate (PEM)' }).fill(dsp.certificatePem);
    await page.getByRole('textbox', { name: 'Private key (PKCS#8 PEM)' }).fill(dsp.privateKeyPem);
    await shot(page, 'sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await see(page.getByTestId('signed-in-as')).toHaveText(`${dsp.enrollmentId}@${dsp.mspId}`);
    expect(page.url()).toBe(`${server.url}/my/offers`);
    // The key never left the page: what went out is the certificate, the challenge and a signature.
    const tokenRequest = bodies.find((b) => b.includes('"signature"'));
    expect(tokenRequest).toBeDefined();
    expect(bodies.some((b) => b.includes('PRIVATE KEY'))).toBe(false);
    await expectAccessible(page, 'my offers');

    const tag = `dt${hex()}`;
    const title = `Harbour salinity ${tag}`;
    await page.getByRole('button', { name: 'Post a data offer' }).click();
    await page.getByRole('textbox', { name: 'Title' }).fill(title);
    await page.getByRole('textbox', { name: 'Description' }).fill(`Salinity from harbour buoys every minute. ${tag}`);
    await page.getByRole('textbox', { name: 'Tags' }).fill(`water, ${tag}`);
    await page.getByRole('textbox', { name: 'Dataset schema' }).fill('{"salinity": "int"}');
    await page.getByRole('textbox', { name: 'Update frequency' }).fill('every minute');
    await page.getByRole('textbox', { name: 'Topic' }).fill('dsp.harbour.readings');
    await expectAccessible(page, 'post offer form');
    await shot(page, 'post-offer');
    await page.getByRole('button', { name: 'Post offer' }).click();
    await see(page.getByTestId('pending-offer')).toContainText('waiting for the ledger');

    // Not in the catalogue until the ledger records it.
    const { argument } = await sent('PostOffer', dsp, (a) => a['title'] === title);
    expect(argument).toMatchObject({ kind: 'data', title, terms: { tags: ['water', tag], schema: { salinity: 'int' }, updateFrequency: 'every minute', source: { type: 'iot-stream', topic: 'dsp.harbour.readings' } } });
    await see(page.getByRole('link', { name: title }), 120_000).toBeVisible();
    await see(page.getByTestId('pending-offer')).toHaveCount(0);

    await page.getByRole('link', { name: 'Catalogue' }).click();
    await page.getByRole('textbox', { name: 'Search', exact: true }).fill(`salinity ${tag}`);
    await page.keyboard.press('Enter');
    await see(page.getByTestId('offer-card')).toHaveCount(1);
    await page.getByRole('link', { name: title }).click();
    await see(page.getByRole('heading', { level: 2 })).toHaveText(title);
    await shot(page, 'offer');
    await expectAccessible(page, 'own offer detail');

    // Edit: the change goes to the ledger; the page shows it when OfferUpdated lands.
    await page.getByRole('button', { name: 'Edit offer' }).click();
    await page.getByRole('textbox', { name: 'Description' }).fill(`Salinity and dissolved oxygen. ${tag}`);
    await page.getByRole('button', { name: 'Save changes' }).click();
    const offerId = argument['offerId'] as string;
    await sent('UpdateOffer', dsp, (a) => a['offerId'] === offerId);
    await see(page.getByTestId('offer-description'), 120_000).toHaveText(`Salinity and dissolved oxygen. ${tag}`);

    // Withdraw, confirmed in a dialog.
    await page.getByRole('button', { name: 'Edit offer' }).waitFor();
    await page.getByRole('button', { name: 'Withdraw offer' }).click();
    await see(page.getByRole('dialog')).toBeVisible();
    await expectAccessible(page, 'withdraw dialog');
    await page.getByRole('dialog').getByRole('button', { name: 'Withdraw' }).click();
    await sent('WithdrawOffer', dsp, (_a, r) => (r.value.data['arguments'] as string[])[0] === offerId);
    await see(page.getByText('withdrawn', { exact: true }), 120_000).toBeVisible();
    // As the ledger holds it, after the two changes: the revision the chaincode counted.
    expect(await h.http('GET', `/offers/${offerId}`)).toMatchObject({ body: { status: 'withdrawn', revision: 3, owner: { mspId: dsp.mspId } } });

    // The owner's profile: reputation and its offers.
    await page.getByRole('link', { name: `DSP ${dsp.mspId}` }).click();
    await see(page.getByRole('heading', { level: 2 })).toHaveText(`DSP ${dsp.mspId}`);
    await see(page.getByTestId('reputation')).toHaveText('no ratings yet');
    await see(page.getByRole('link', { name: title })).toBeVisible();
    await shot(page, 'participant');
    await expectAccessible(page, 'participant');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await see(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
    expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);
    await page.close();
  });

  it('refuses to sign in with a key that is not the certificate’s, or with no key at all, and says why', async () => {
    const { page } = await newPage();
    await page.goto(`${server.url}/sign-in`);
    await page.getByRole('textbox', { name: 'Certificate (PEM)' }).fill(dsp.certificatePem);
    await page.getByRole('textbox', { name: 'Private key (PKCS#8 PEM)' }).fill(vsp.privateKeyPem);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await see(page.getByRole('alert')).toContainText('the signature does not verify with the certificate');
    await page.getByRole('textbox', { name: 'Private key (PKCS#8 PEM)' }).fill('not a key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await see(page.getByRole('alert')).toContainText('expected a PEM block "PRIVATE KEY"');
    expect(await page.getByTestId('signed-in-as').count()).toBe(0);
    await expectAccessible(page, 'sign-in refused');
    await page.close();
  });

  it('says so when the token has expired or the service refuses it, and asks to sign in again', async () => {
    const session = (token: string, expiresAt: string) => ({ token, expiresAt, mspId: dsp.mspId, enrollmentId: dsp.enrollmentId, role: 'DSP' });
    const { page } = await newPage();
    // Once per tab: the page's own sign-out must not be undone by the next navigation.
    await page.addInitScript(seed(session(dsp.token, new Date(Date.now() - 60_000).toISOString())));
    await page.goto(`${server.url}/my/offers`);
    await see(page.getByTestId('session-notice')).toContainText('Your session expired');
    await see(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await expectAccessible(page, 'expired session');
    await page.close();

    // A token the service does not accept (not its own, or expired by its clock): the first write tells.
    const refused = await newPage();
    await refused.page.addInitScript(seed(session('eyJub3QiOiJvdXJzIn0.forged', new Date(Date.now() + 3_600_000).toISOString())));
    await refused.page.goto(`${server.url}/my/offers`);
    await refused.page.getByRole('button', { name: 'Post a data offer' }).click();
    await refused.page.getByRole('textbox', { name: 'Title' }).fill('Never posted');
    await refused.page.getByRole('textbox', { name: 'Description' }).fill('Refused');
    await refused.page.getByRole('textbox', { name: 'Dataset schema' }).fill('rows');
    await refused.page.getByRole('textbox', { name: 'Update frequency' }).fill('daily');
    await refused.page.getByRole('textbox', { name: 'Topic' }).fill('dsp.t');
    await refused.page.getByRole('button', { name: 'Post offer' }).click();
    await see(refused.page.getByTestId('session-notice')).toContainText('Your session is no longer valid (the bearer token is not valid here)');
    await see(refused.page.getByRole('button', { name: 'Sign in' }).or(refused.page.getByRole('link', { name: 'Sign in' })).first()).toBeVisible();
    expect(await refused.page.evaluate<string | null>("sessionStorage.getItem('datawell.console.session')")).toBeNull();
    await refused.page.close();
  });

  it('works on a phone and from the keyboard', async () => {
    const { page } = await newPage({ width: 390, height: 844 });
    await page.goto(server.url);
    await page.getByTestId('result-count').waitFor();
    const menu = page.getByRole('button', { name: 'Open navigation' });
    await see(menu).toBeVisible();
    await menu.click();
    await see(page.getByRole('navigation').getByRole('link', { name: 'Catalogue' })).toBeVisible();
    await page.getByRole('button', { name: 'Close navigation' }).click();
    // Keyboard only: Tab to the search box, type, Enter.
    for (let i = 0; i < 15 && (await page.evaluate<string | undefined>('document.activeElement?.name')) !== 'q'; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate<string | undefined>('document.activeElement?.name')).toBe('q');
    await page.keyboard.type(valueTag);
    await page.keyboard.press('Enter');
    await see(page.getByTestId('offer-card')).toHaveCount(1);
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, 'phone');
    await expectAccessible(page, 'catalogue on a phone');
    await page.close();
  });

  it("is a production build, though built from a test process (jest's NODE_ENV=test made Vite bundle React's development build)", () => {
    expect(process.env['NODE_ENV']).toBe('test');
    const index = readFileSync(join(DIST_DIR, 'index.html'), 'utf8');
    const entry = /src="\/?(assets\/index-[^"]+\.js)"/.exec(index)?.[1];
    expect(entry).toBeDefined();
    const code = readFileSync(join(DIST_DIR, entry!), 'utf8');
    // React's production build throws minified errors; only its development build carries this warning.
    expect(code).toContain('Minified React error');
    expect(code).not.toContain('unique "key" prop');
  });

  it('uses a marketplace client generated from the live OpenAPI document (regenerate with scripts/generate-clients.ts)', async () => {
    // The negotiation client is checked by negotiation.test.ts, which runs that service.
    for (const client of CLIENTS.filter((c) => c.service === 'marketplace')) {
      const live = await clientSource(client.service, await fetchDocument(h.baseUrl));
      expect(readFileSync(client.file, 'utf8')).toBe(live);
    }
  });
});
