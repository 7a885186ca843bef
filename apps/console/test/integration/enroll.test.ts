import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TOPICS } from '@datawell/contracts';
import { domainPaths, parkDomain, readMspPackage } from '@datawell/stack';
import { REPO_DIR, testStackContext } from '@datawell/testing';
import type { Browser, Page } from 'playwright-core';
import { operatorAdminApp, type OperatorAdminApp } from '../../../../services/ledger-bridge/test/integration/harness';
import { MarketplaceHarness } from '../../../../services/marketplace/test/integration/harness';
import { buildConsole, DIST_DIR } from '../../server/build';
import { startConsoleServer, type ConsoleServer } from '../../server/serve';
import { participantOnLedger } from '../support/ledger';
import { expectAccessible, launchBrowser, see } from '../support/browser';

/**
 * How an organisation joins, in Debian's chromium, against the real marketplace and the operator's
 * real ledger bridge on its topics (operatorAdminApp running): registered before its domain exists, the bridge refuses it (NO_MSP_PACKAGE) and the page says
 * to create the domain; the command the page shows (`./dev domain add …`) is run as it reads, the
 * organisation registers again with no identity and the bridge admits it from its public MSP
 * package; the person signs in with the domain's administrator from the files the page names, which
 * its own CA issued (the ledger records that CA, the package's). No key, certificate request or
 * certificate of the organisation went out of the page. Signed in, the page for a new identity says
 * it is made at the domain's own CA and offers no form to the operator.
 */
jest.setTimeout(900_000);
/** A domain made from nothing (`./dev domain add`: OS user, stores, Kafka principal, CA, peer), then admitted. */
const DOMAIN_MS = 600_000;

const ctx = testStackContext();
// The bridge relays to the shared ledger events topic, which the marketplace's identity directory reads.
const h = new MarketplaceHarness({ ledgerEvents: TOPICS.ledgerEvents });
let bridge: OperatorAdminApp;
let server: ConsoleServer;
let browser: Browser;
/** The domain this run made, set aside at the end (its CA and stores stopped; it is not reused). */
let made: string | undefined;

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
  if (made) await parkDomain(ctx, made);
});

const onLedger = (mspId: string) => participantOnLedger(mspId);

/** A file the page names under `.stack/` (the stack's folder: this run's DATAWELL_STACK_DIR), `*_sk` the one key there. */
function stackFile(shown: string): string {
  const path = join(ctx.settings.stackDir, shown.replace(/^\.stack\//, ''));
  if (!path.endsWith('*_sk')) return readFileSync(path, 'utf8');
  const dir = path.slice(0, -'/*_sk'.length);
  const keys = readdirSync(dir).filter((f) => f.endsWith('_sk'));
  expect(keys).toHaveLength(1);
  return readFileSync(join(dir, keys[0]!), 'utf8');
}

async function newPage(): Promise<{ page: Page; bodies: string[]; close(): Promise<void> }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const bodies: string[] = [];
  page.on('request', (r) => bodies.push(r.postData() ?? ''));
  return { page, bodies, close: () => context.close() };
}

describe('an organisation joins as a trust domain of its own', () => {
  it('registers its domain (refused until the domain exists, as the page says), then signs in with an identity of its own CA', async () => {
    const { page, bodies, close } = await newPage();
    const mspId = `En${h.run}VspMSP`;
    const name = `Harbour analytics ${mspId}`;

    await page.goto(`${server.url}/sign-in`);
    await page.getByRole('link', { name: 'Register your organisation' }).click();
    await see(page.getByRole('heading', { name: 'Register your organisation' })).toBeVisible();
    // One way to join, its own trust domain: no choice of the operator holding the organisation.
    await see(page.getByRole('radio')).toHaveCount(0);
    await see(page.getByTestId('domain-add-command')).toHaveText('./dev domain add <MSPID> --role DSP');
    const form = page.getByRole('form', { name: 'Register your domain' });
    await form.getByRole('textbox', { name: /^MSP id/ }).fill(mspId);
    await form.getByRole('combobox', { name: 'Role' }).selectOption('VSP');
    await form.getByRole('textbox', { name: /^Organisation name/ }).fill(name);
    const command = (await page.getByTestId('domain-add-command').innerText()).trim();
    expect(command).toBe(`./dev domain add ${mspId} --role VSP`);
    await see(page.getByTestId('domain-start-commands')).toContainText(`./dev domain console ${mspId}`);
    await expectAccessible(page, 'register a domain');

    // Before its domain exists: accepted, then refused by the operator's bridge, which finds no public MSP package.
    await form.getByRole('button', { name: 'Register my domain' }).click();
    await see(page.getByTestId('registration-status'), 120_000).toHaveAttribute('data-phase', 'failed');
    await see(page.getByTestId('registration-status')).toContainText(`The registration of ${mspId} failed: NO_MSP_PACKAGE`);
    await see(page.getByTestId('refusal-hint')).toContainText(`create its domain first (${command}), then register again`);
    expect(await h.http('GET', `/participants/${mspId}`)).toMatchObject({ status: 200, body: { status: 'failed', failure: { code: 'NO_MSP_PACKAGE' } } });
    await expectAccessible(page, 'registration refused');

    // The command the page shows, run as it reads on this machine: the domain, its keys made in it, its public package published.
    const [tool, ...args] = command.split(' ');
    expect(tool).toBe('./dev');
    made = mspId;
    await promisify(execFile)(join(REPO_DIR, 'dev'), args, { cwd: REPO_DIR, env: process.env, maxBuffer: 16 << 20, timeout: DOMAIN_MS });
    const pkg = readMspPackage(ctx, mspId);

    // Registered again: admitted from the package; the marketplace has it active from the ledger's ParticipantRegistered.
    await form.getByRole('button', { name: 'Register my domain' }).click();
    await see(page.getByTestId('registration-status'), DOMAIN_MS).toHaveAttribute('data-phase', 'done');
    await see(page.getByTestId('registration-status')).toContainText(`${mspId} is registered on the ledger (active)`);
    expect(await onLedger(mspId)).toMatchObject({ mspId, role: 'VSP', status: 'active', caCertPem: pkg.cacerts[0] });
    expect(await h.http('GET', `/participants/${mspId}`)).toMatchObject({ body: { mspId, role: 'VSP', name, status: 'active' } });
    await expectAccessible(page, 'domain registered');

    // What went out of the page: the registration, twice, with no identity, key, request or certificate.
    const registrations = bodies.filter((b) => b.includes(mspId)).map((b) => JSON.parse(b) as unknown);
    expect(registrations).toEqual([
      { mspId, role: 'VSP', name },
      { mspId, role: 'VSP', name },
    ]);
    expect(bodies.some((b) => /PRIVATE KEY|CERTIFICATE/.test(b))).toBe(false);

    // The identity the page points to: the domain's administrator, issued by its own CA (the one the ledger records).
    const certificatePem = stackFile(await page.getByTestId('admin-certificate-file').innerText());
    const privateKeyPem = stackFile(await page.getByTestId('admin-key-file').innerText());
    const certificate = new X509Certificate(certificatePem);
    expect(certificate.checkIssued(new X509Certificate(pkg.cacerts[0]!))).toBe(true);
    expect(domainPaths(ctx.settings, mspId).root).toBe(join(ctx.settings.stackDir, 'domains', mspId));
    await page.getByRole('main').getByRole('link', { name: 'Sign in' }).click();
    await page.getByRole('textbox', { name: 'Certificate (PEM)' }).fill(certificatePem);
    await page.getByRole('textbox', { name: 'Private key (PKCS#8 PEM)' }).fill(privateKeyPem);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await see(page.getByTestId('signed-in-as')).toContainText(`@${mspId}`);
    expect(bodies.some((b) => b.includes('PRIVATE KEY'))).toBe(false);

    // Signed in: another identity of a domain is made at its own CA, as the page says.
    await page.getByRole('link', { name: 'New identity' }).click();
    await see(page.getByRole('heading', { name: `A new identity of ${mspId}` })).toBeVisible();
    await see(page.getByTestId('domain-identities')).toContainText('enrolls its people at its own Fabric CA, in its domain');
    // The pointer off the navigation (a hovered link is not what axe is asked about).
    await page.mouse.move(5, 700);
    await expectAccessible(page, 'new identity of a domain');
    // No form sends a certificate request to the operator: it enrolls no one.
    await see(page.getByRole('button', { name: 'Generate a key and request a certificate' })).toHaveCount(0);
    expect(bodies.some((b) => b.includes('PRIVATE KEY') || b.includes('CERTIFICATE REQUEST'))).toBe(false);
    if (process.env['CONSOLE_SCREENSHOTS_DIR']) await page.screenshot({ path: `${process.env['CONSOLE_SCREENSHOTS_DIR']}/console-enroll.png`, fullPage: true });
    await close();
  });
});
