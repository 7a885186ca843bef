import { mkdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { MARKETPLACE, MARKETPLACE_CHANNEL, TOPICS } from '@datawell/contracts';
import { findDomain, memberServiceUrl } from '@datawell/stack';
import { testStackContext, until, type DomainMember } from '@datawell/testing';
import { operatorAdminApp, testGateway, type OperatorAdminApp } from '../../../../services/ledger-bridge/test/integration/harness';
import { eventually, hex, MarketplaceHarness } from '../../../../services/marketplace/test/integration/harness';
import { clientSource, CLIENTS, fetchDocument } from '../../scripts/clients';
import { buildConsole, DIST_DIR } from '../../server/build';
import { startConsoleServer, type ConsoleServer } from '../../server/serve';
import { launchChromium, see, seriousViolations } from '../support/browser';
import { domainsBeside, offerThroughOwnBridge } from '../support/domains-beside';

/**
 * The console in Debian's chromium against the real marketplace (in-process on the shared stack's
 * PostgreSQL and Kafka) and the operator's real ledger bridge on its topics (operatorAdminApp running),
 * as in production: the DSP and the VSP are trust domains of their own
 * (`./dev domain add`, their member services started by `./dev domain start`), registered without an
 * identity and admitted by the operator's bridge from their public MSP packages; each signs its
 * offers through its own ledger bridge, and the operator's bridge relays the chaincode's events, from
 * which the marketplace learns the participants and the offers. Anonymous search, sign-in with a
 * person's real key (enrolled at its organisation's own CA) signed in the page, post / edit /
 * withdraw through the DSP's own bridge recorded on the ledger, the expired and refused token
 * messages, a phone layout, axe-core on every page.
 */
jest.setTimeout(900_000);

const ctx = testStackContext();
// The bridge relays to the shared ledger events topic, which the marketplace's identity directory reads.
const h = new MarketplaceHarness({ ledgerEvents: TOPICS.ledgerEvents });
let bridge: OperatorAdminApp;
/** Trust domains of this file, reused across runs (registering them again finds them); a person of each enrolled at its own CA. */
const [DSP, VSP] = ['CjDspMSP', 'CjVspMSP'];
let domains: Awaited<ReturnType<typeof domainsBeside>> | undefined;
let dsp: DomainMember;
let vsp: DomainMember;
/** The DSP's marketplace token (the session a test seeds). */
let dspToken: string;
let server: ConsoleServer;
let browser: BrowserContext;
let closeBrowser: () => Promise<void>;
/** Set to a folder to keep screenshots of the main pages (docs/img for docs/console.md). */
const SHOTS = process.env['CONSOLE_SCREENSHOTS_DIR'];

beforeAll(async () => {
  await Promise.all([buildConsole(), h.start()]);
  bridge = await operatorAdminApp({ running: h.topics });
  domains = await domainsBeside(ctx, h.baseUrl, [
    [DSP, 'DSP'],
    [VSP, 'VSP'],
  ]);
  dsp = domains.members[DSP]!;
  vsp = domains.members[VSP]!;
  dspToken = await eventually('the marketplace knows the DSP', () => h.login(dsp.identity).catch(() => ''), (t) => t !== '', 300_000);
  // The DSP's own bridge behind the console, as `./dev domain console` serves it: its offers are signed there.
  server = await startConsoleServer({ distDir: DIST_DIR, upstreams: { marketplace: h.baseUrl, member: memberServiceUrl(ctx.settings, findDomain(ctx, DSP), 'ledger-bridge') } });
  ({ context: browser, close: closeBrowser } = await launchChromium());
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await closeBrowser?.();
  await server?.close();
  await domains?.stop();
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

/** The offer as the operator's own peer reads it (GetOffer as OperatorMSP): what the ledger holds. */
async function onLedger(offerId: string): Promise<Record<string, unknown>> {
  const gateway = await testGateway();
  try {
    const call = MARKETPLACE.invocation(MARKETPLACE.tx.GetOffer, offerId);
    return JSON.parse(Buffer.from(await gateway.gateway.getNetwork(MARKETPLACE_CHANNEL).getContract(call.chaincode).evaluateTransaction(call.transaction, ...call.arguments)).toString('utf8')) as Record<string, unknown>;
  } finally {
    gateway.close();
  }
}

/** The ledger's offer once `ok` holds of it (the page's write went through the member's bridge; the operator's peer has the block soon after). */
const onLedgerUntil = (offerId: string, ok: (o: Record<string, unknown>) => boolean, what: string) =>
  until(what, async () => {
    const o = await onLedger(offerId).catch(() => undefined);
    return o && ok(o) ? o : undefined;
  }, 60_000);

describe('the console in a real browser', () => {
  const valueTag = `vt${hex()}`;

  beforeAll(async () => {
    // A value offer of the VSP, signed through its own bridge, its text given to the catalogue by the VSP itself, for the anonymous visitor to find.
    await offerThroughOwnBridge(vsp, h.baseUrl, { kind: 'value', title: `Demand forecasting ${valueTag}`, description: `Forecasts of water demand from buoy readings. ${valueTag}`, tags: ['forecast', valueTag], service: 'forecasting', computations: ['mean'], infrastructure: { cpu: 2 } });
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
    const writes: string[] = [];
    // The description's answers, in order: the page retries while OfferPosted is on its way (404, 409).
    const described: number[] = [];
    page.on('request', (r) => {
      bodies.push(r.postData() ?? '');
      if (!['GET', 'HEAD'].includes(r.method()) && !r.url().includes('/auth/')) writes.push(`${r.method()} ${new URL(r.url()).pathname}`);
    });
    page.on('response', (r) => {
      if (r.request().method() === 'PUT' && r.url().endsWith('/description')) described.push(r.status());
    });
    await page.goto(`${server.url}/sign-in`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expectAccessible(page, 'sign-in');
    await page.getByRole('textbox', { name: 'Certificate (PEM)' }).fill(dsp.identity.certificatePem);
    await page.getByRole('textbox', { name: 'Private key (PKCS#8 PEM)' }).fill(dsp.identity.privateKeyPem);
    await shot(page, 'sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await see(page.getByTestId('signed-in-as')).toHaveText(`${dsp.identity.enrollmentId}@${dsp.mspId}`);
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

    // Listed once the ledger records it: PostOffer signed by the DSP through its own bridge (the
    // operator's services hold no key of it), then its text given to the catalogue by the page.
    const listed = page.getByRole('link', { name: title });
    await see(listed, 120_000).toBeVisible();
    await see(page.getByTestId('pending-offer')).toHaveCount(0);
    const offerId = decodeURIComponent((await listed.getAttribute('href'))!.split('/offers/')[1]!);
    // The offer through the DSP's bridge, then its text, given again only while the catalogue had not
    // listed it yet (how often depends on how fast the ledger's event arrives), and accepted once.
    const describe = `PUT /api/marketplace/offers/${offerId}/description`;
    expect(writes[0]).toBe('POST /api/member/offers');
    expect(writes.slice(1)).toEqual(Array(writes.length - 1).fill(describe));
    expect(described).toHaveLength(writes.length - 1);
    expect(described.slice(0, -1).every((status) => status === 404 || status === 409)).toBe(true);
    expect(described.at(-1)).toBe(200);
    expect(await onLedger(offerId)).toMatchObject({ offerId, owner: dsp.mspId, kind: 'data', title, status: 'open', revision: 1, terms: { tags: ['water', tag], schema: { salinity: 'int' }, updateFrequency: 'every minute', source: { type: 'iot-stream', topic: 'dsp.harbour.readings' } } });

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
    await see(page.getByTestId('offer-description'), 120_000).toHaveText(`Salinity and dissolved oxygen. ${tag}`);
    await onLedgerUntil(offerId, (o) => o['revision'] === 2, 'UpdateOffer on the ledger');

    // Withdraw, confirmed in a dialog.
    await page.getByRole('button', { name: 'Edit offer' }).waitFor();
    await page.getByRole('button', { name: 'Withdraw offer' }).click();
    await see(page.getByRole('dialog')).toBeVisible();
    await expectAccessible(page, 'withdraw dialog');
    await page.getByRole('dialog').getByRole('button', { name: 'Withdraw' }).click();
    await see(page.getByText('withdrawn', { exact: true }), 120_000).toBeVisible();
    // As the ledger holds it, after the two changes: the revision the chaincode counted, each write through the DSP's own bridge.
    expect(await onLedgerUntil(offerId, (o) => o['status'] === 'withdrawn', 'WithdrawOffer on the ledger')).toMatchObject({ owner: dsp.mspId, status: 'withdrawn', revision: 3 });
    expect(await h.http('GET', `/offers/${offerId}`)).toMatchObject({ body: { status: 'withdrawn', revision: 3, owner: { mspId: dsp.mspId } } });
    expect(writes.filter((w) => !w.startsWith('PUT /api/marketplace/offers/'))).toEqual(['POST /api/member/offers', `PATCH /api/member/offers/${offerId}`, `DELETE /api/member/offers/${offerId}`]);

    // The owner's profile: reputation and its offers.
    // Its name as registered for its domain (registerDomainParticipant).
    await page.getByRole('link', { name: `Domain DSP ${dsp.mspId}` }).click();
    await see(page.getByRole('heading', { level: 2 })).toHaveText(`Domain DSP ${dsp.mspId}`);
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
    await page.getByRole('textbox', { name: 'Certificate (PEM)' }).fill(dsp.identity.certificatePem);
    await page.getByRole('textbox', { name: 'Private key (PKCS#8 PEM)' }).fill(vsp.identity.privateKeyPem);
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
    const session = (token: string, expiresAt: string) => ({ token, expiresAt, mspId: dsp.mspId, enrollmentId: dsp.identity.enrollmentId, role: 'DSP' });
    const { page } = await newPage();
    // Once per tab: the page's own sign-out must not be undone by the next navigation.
    await page.addInitScript(seed(session(dspToken, new Date(Date.now() - 60_000).toISOString())));
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
