import 'reflect-metadata';
import { createPrivateKey, createPublicKey, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { readFileSync } from 'node:fs';
import { testCertificateAuthority } from '@datawell/testing';
import type { Browser, Page } from 'playwright-core';
import { eventually, hex, MarketplaceHarness } from '../../../../services/marketplace/test/integration/harness';
import { buildConsole, DIST_DIR } from '../../server/build';
import { startConsoleServer, type ConsoleServer } from '../../server/serve';
import { expectAccessible, launchBrowser, see } from '../support/browser';

/**
 * A new identity whose key is made in the browser, against the real marketplace (the harness plays the
 * network: it onboards the organisation, and its test CA signs the request the page made, so a bad
 * request fails here): registration with the first identity, the key saved as a file, sign-in with it,
 * then a second identity of the same organisation.
 */
jest.setTimeout(300_000);

const h = new MarketplaceHarness();
let server: ConsoleServer;
let browser: Browser;

beforeAll(async () => {
  await Promise.all([buildConsole(), h.start()]);
  server = await startConsoleServer({ distDir: DIST_DIR, upstreams: { marketplace: h.baseUrl } });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
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

    // The network onboards the organisation; its CA signs the request the page made.
    const onboard = await h.command(h.topics.networkCommands, (r) => r.value.data['kind'] === 'onboard-participant' && r.value.data['mspId'] === mspId);
    const ca = await testCertificateAuthority(`ca.${mspId}`);
    await h.networkEvent({ kind: 'participant-onboarded', commandId: onboard.value.data['commandId'] as string, mspId, role: 'VSP', name: `Harbour analytics ${mspId}`, caCertPem: ca.caCertPem });
    await h.ledgerEvent('marketplace', 'marketplace', 'ParticipantRegistered', { mspId, role: 'VSP', name: `Harbour analytics ${mspId}`, caCertPem: ca.caCertPem, status: 'active' }, true);
    const enroll = await h.command(h.topics.networkCommands, (r) => r.value.data['kind'] === 'enroll-identity' && r.value.data['mspId'] === mspId);
    expect(enroll.value.data['enrollmentId']).toBe(enrollmentId);
    const csrPem = enroll.value.data['csrPem'] as string;
    // What a Fabric CA checks of a request (the test CA does not): its signature by its own key, its subject.
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    const request = new x509.Pkcs10CertificateRequest(csrPem);
    expect(request.subject).toBe(`CN=${enrollmentId}`);
    expect(await request.verify()).toBe(true);
    const certificatePem = await ca.issue(csrPem);
    expect(new X509Certificate(certificatePem).subject).toContain(`CN=${enrollmentId}`);
    await h.networkEvent({ kind: 'identity-enrolled', commandId: enroll.value.data['commandId'] as string, mspId, enrollmentId, certificatePem, caCertPem: ca.caCertPem });

    await see(page.getByTestId('enroll-status')).toContainText(`Enrolled: ${enrollmentId} of ${mspId}`);
    expect((await page.getByTestId('certificate').innerText()).trim()).toBe(certificatePem.trim());
    await expectAccessible(page, 'enrolled');
    if (process.env['CONSOLE_SCREENSHOTS_DIR']) await page.screenshot({ path: `${process.env['CONSOLE_SCREENSHOTS_DIR']}/console-enroll.png`, fullPage: true });
    // The key the page offers is the certified one; it was never sent (only the request was).
    const privateKeyPem = await saved(page, 'Save the private key');
    expect(samePublicKey(certificatePem, privateKeyPem)).toBe(true);
    expect((await saved(page, 'Save the certificate')).trim()).toBe(certificatePem.trim());
    expect(bodies.some((b) => b.includes('PRIVATE KEY'))).toBe(false);
    expect(bodies.filter((b) => b.includes('CERTIFICATE REQUEST'))).toHaveLength(1);

    await eventually('active', () => h.http('GET', `/participants/${mspId}`), (r) => r.body['status'] === 'active');
    await page.getByRole('button', { name: 'Sign in with this identity' }).click();
    await see(page.getByTestId('signed-in-as')).toHaveText(`${enrollmentId}@${mspId}`);

    // Signed in: a second identity of the organisation, its key made in the page too.
    const second = `analyst-${hex(2)}`;
    await page.getByRole('link', { name: 'New identity' }).click();
    await see(page.getByRole('heading', { name: `A new identity of ${mspId}` })).toBeVisible();
    await page.getByRole('textbox', { name: /^Enrollment id/ }).fill(second);
    await page.getByRole('button', { name: 'Generate a key and request a certificate' }).click();
    const enrollSecond = await h.command(h.topics.networkCommands, (r) => r.value.data['kind'] === 'enroll-identity' && r.value.data['enrollmentId'] === second);
    const secondCertificate = await ca.issue(enrollSecond.value.data['csrPem'] as string);
    await h.networkEvent({ kind: 'identity-enrolled', commandId: enrollSecond.value.data['commandId'] as string, mspId, enrollmentId: second, certificatePem: secondCertificate, caCertPem: ca.caCertPem });
    await see(page.getByTestId('enroll-status')).toContainText(`Enrolled: ${second} of ${mspId}`);
    expect(samePublicKey(secondCertificate, await saved(page, 'Save the private key'))).toBe(true);
    expect(samePublicKey(secondCertificate, privateKeyPem)).toBe(false);
    await expectAccessible(page, 'second identity');
    expect(bodies.some((b) => b.includes('PRIVATE KEY'))).toBe(false);
    await context.close();
  });
});
