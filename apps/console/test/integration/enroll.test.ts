import 'reflect-metadata';
import { createPrivateKey, createPublicKey, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { readFileSync } from 'node:fs';
import { TOPICS } from '@datawell/contracts';
import { orgCaCertificate } from '@datawell/stack';
import { testStackContext } from '@datawell/testing';
import type { Browser, Page } from 'playwright-core';
import { operatorAdminApp, type OperatorAdminApp } from '../../../../services/ledger-bridge/test/integration/harness';
import { eventually, hex, MarketplaceHarness } from '../../../../services/marketplace/test/integration/harness';
import { buildConsole, DIST_DIR } from '../../server/build';
import { startConsoleServer, type ConsoleServer } from '../../server/serve';
import { expectAccessible, launchBrowser, see } from '../support/browser';

/**
 * A new identity whose key is made in the browser, against the real marketplace and the operator's real
 * ledger bridge on its topics (operatorAdminApp running): the bridge onboards the organisation (its CA,
 * MSP and peer made, registered on the ledger, its ParticipantRegistered relayed to the shared events
 * topic) and its Fabric CA signs the request the page made, so a bad request fails here: registration
 * with the first identity, the key saved as a file, sign-in with it, then a second identity of the same
 * organisation.
 */
jest.setTimeout(900_000);
/** Onboarding a fresh organisation: its CA, MSP and peer made, a config update of `marketplace`, the chaincode on its peer. */
const ONBOARDING_MS = 600_000;

const ctx = testStackContext();
// The bridge relays to the shared ledger events topic, which the marketplace's identity directory reads.
const h = new MarketplaceHarness({ ledgerEvents: TOPICS.ledgerEvents });
let bridge: OperatorAdminApp;
let server: ConsoleServer;
let browser: Browser;

beforeAll(async () => {
  await Promise.all([buildConsole(), h.start()]);
  bridge = await operatorAdminApp({ running: h.topics });
  server = await startConsoleServer({ distDir: DIST_DIR, upstreams: { marketplace: h.baseUrl } });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await bridge?.close();
  await h.stop();
});

const samePublicKey = (certificatePem: string, privateKeyPem: string) =>
  JSON.stringify(new X509Certificate(certificatePem).publicKey.export({ format: 'jwk' })) === JSON.stringify(createPublicKey(createPrivateKey(privateKeyPem)).export({ format: 'jwk' }));

async function saved(page: Page, link: string): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: link }).click()]);
  return readFileSync((await download.path())!, 'utf8');
}

describe('a key made in the browser', () => {
  it('registers an organisation with a key generated in the page, saves the key, signs in with it, and enrolls a second identity', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const bodies: string[] = [];
    page.on('request', (r) => bodies.push(r.postData() ?? ''));
    const mspId = `T${h.run}${hex(2)}VSPMSP`;
    const enrollmentId = `admin-${hex(2)}`;

    await page.goto(`${server.url}/sign-in`);
    await page.getByRole('link', { name: 'Register your organisation' }).click();
    await page.getByRole('textbox', { name: /^MSP id/ }).fill(mspId);
    await page.getByRole('combobox', { name: 'Role' }).selectOption('VSP');
    await page.getByRole('textbox', { name: /^Organisation name/ }).fill(`Harbour analytics ${mspId}`);
    await page.getByRole('textbox', { name: /^Enrollment id/ }).fill(enrollmentId);
    await expectAccessible(page, 'register');
    await page.getByRole('button', { name: 'Generate a key and request a certificate' }).click();
    await see(page.getByTestId('enroll-status')).toContainText('waiting for the CA');

    // The operator's bridge onboards the organisation; its new Fabric CA signs the request the page made
    // (read here off the topic beside the bridge: the request is made and signed by the page's own key).
    // (A failed onboarding ends the wait too: its code and message are then in the mismatch.)
    const onboarded = await eventually('the organisation onboarded', () => h.http('GET', `/participants/${mspId}`), (r) => r.body['status'] !== 'pending', ONBOARDING_MS);
    expect(onboarded.body).toMatchObject({ mspId, role: 'VSP', status: 'active' });
    const enroll = await h.command(h.topics.networkCommands, (r) => r.value.data['kind'] === 'enroll-identity' && r.value.data['mspId'] === mspId);
    expect(enroll.value.data['enrollmentId']).toBe(enrollmentId);
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    const request = new x509.Pkcs10CertificateRequest(enroll.value.data['csrPem'] as string);
    expect(request.subject).toBe(`CN=${enrollmentId}`);
    expect(await request.verify()).toBe(true);

    await see(page.getByTestId('enroll-status'), 300_000).toContainText(`Enrolled: ${enrollmentId} of ${mspId}`);
    const certificatePem = (await page.getByTestId('certificate').innerText()).trim();
    const ca = new X509Certificate(orgCaCertificate(ctx, mspId));
    const certificate = new X509Certificate(certificatePem);
    expect([certificate.subject, certificate.checkIssued(ca), certificate.verify(ca.publicKey)]).toEqual([expect.stringContaining(`CN=${enrollmentId}`), true, true]);
    await expectAccessible(page, 'enrolled');
    if (process.env['CONSOLE_SCREENSHOTS_DIR']) await page.screenshot({ path: `${process.env['CONSOLE_SCREENSHOTS_DIR']}/console-enroll.png`, fullPage: true });
    // The key the page offers is the certified one; it was never sent (only the request was).
    const privateKeyPem = await saved(page, 'Save the private key');
    expect(samePublicKey(certificatePem, privateKeyPem)).toBe(true);
    expect((await saved(page, 'Save the certificate')).trim()).toBe(certificatePem.trim());
    expect(bodies.some((b) => b.includes('PRIVATE KEY'))).toBe(false);
    expect(bodies.filter((b) => b.includes('CERTIFICATE REQUEST'))).toHaveLength(1);

    await eventually('active', () => h.http('GET', `/participants/${mspId}`), (r) => r.body['status'] === 'active', 300_000);
    await page.getByRole('button', { name: 'Sign in with this identity' }).click();
    await see(page.getByTestId('signed-in-as')).toHaveText(`${enrollmentId}@${mspId}`);

    // Signed in: a second identity of the organisation, its key made in the page too.
    const second = `analyst-${hex(2)}`;
    await page.getByRole('link', { name: 'New identity' }).click();
    await see(page.getByRole('heading', { name: `A new identity of ${mspId}` })).toBeVisible();
    await page.getByRole('textbox', { name: /^Enrollment id/ }).fill(second);
    await page.getByRole('button', { name: 'Generate a key and request a certificate' }).click();
    await see(page.getByTestId('enroll-status'), 300_000).toContainText(`Enrolled: ${second} of ${mspId}`);
    const secondCertificate = (await page.getByTestId('certificate').innerText()).trim();
    expect([new X509Certificate(secondCertificate).subject, new X509Certificate(secondCertificate).checkIssued(ca)]).toEqual([expect.stringContaining(`CN=${second}`), true]);
    expect(samePublicKey(secondCertificate, await saved(page, 'Save the private key'))).toBe(true);
    expect(samePublicKey(secondCertificate, privateKeyPem)).toBe(false);
    await expectAccessible(page, 'second identity');
    expect(bodies.some((b) => b.includes('PRIVATE KEY'))).toBe(false);
    await context.close();
  });
});
