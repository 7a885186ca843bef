import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceUrl } from '@datawell/stack';
import { login, type DomainFormationResult, type DomainMember } from '@datawell/testing';
import type { Browser, Page } from 'playwright-core';
import { clientSource, CLIENTS, fetchDocument } from '../../scripts/clients';
import { expectAccessible, see } from '../support/browser';
import { bridgeAs, consoleScenario, signIn, type ConsoleScenario } from '../support/scenario';

/**
 * Computations in the console, in Debian's chromium against the stack's running services and member
 * domains: a DAO formed among trust domains whose founders' MPC nodes run in their own domains, and
 * the VSP's first mean, as `./dev scenario domains --managed --mpc-mesh --compute` runs them. The
 * VSP (the terms' recipient) reads that result in its console from its own bridge, asks for another
 * computation in the page and follows it to its end; the DSP (not a recipient) has no result, and
 * reads its dataset's usage trail. What the pages show is compared with what each member's own
 * bridge answers it.
 */
jest.setTimeout(900_000);

const SHOTS = process.env['CONSOLE_SCREENSHOTS_DIR'];
let scenario: ConsoleScenario | undefined;
let formed: DomainFormationResult;
let dsp: DomainMember;
let vsp: DomainMember;
let browser: Browser;
/** The computation the VSP asked for in the page (the first test). */
let askedInPage: string | undefined;

beforeAll(async () => {
  scenario = await consoleScenario(['--vsps', '1', '--join', '0', '--managed', '--mpc-mesh', '--compute', '--org-prefix', 'Cq'], [
    ['CqDspMSP', 'DSP'],
    ['CqVsp1MSP', 'VSP'],
  ]);
  ({ formed, browser } = scenario);
  dsp = scenario.members['CqDspMSP']!;
  vsp = scenario.members['CqVsp1MSP']!;
});

afterAll(async () => {
  await scenario?.close();
});

type Kept = { jobId: string; txId: string; resultDigest: string; result?: Record<string, unknown> };
const kept = async (m: DomainMember, daoId: string): Promise<Kept[]> => {
  const answer = await bridgeAs(m, 'GET', `/daos/${daoId}/versions/1/computations`);
  expect(answer.status).toBe(200);
  return answer.body as unknown as Kept[];
};

async function daoPage(m: DomainMember, daoId: string): Promise<Page> {
  const base = await scenario!.consoleOf(m);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(30_000);
  await signIn(page, base, m);
  await page.goto(`${base}/my/daos/${daoId}`);
  return page;
}

describe('computations in the console', () => {
  it("shows the VSP the result its own bridge keeps, and runs a computation it asks for in the page to its end", async () => {
    const computation = formed.computation!;
    const { daoId } = formed;
    expect(computation.recipients).toEqual([vsp.mspId]);
    const first = computation.atRecipients[vsp.mspId]!;
    const page = await daoPage(vsp, daoId);

    // The scenario's mean, as the VSP's own bridge keeps it: the row, then its values and digest.
    const results = page.getByTestId('results');
    const row = results.locator(`[data-testid="result-row"][data-job="${computation.id}"]`);
    await see(row.getByTestId('result-tx')).toHaveText(first.txId);
    await row.getByRole('button', { name: `Show result of ${computation.id}` }).click();
    await see(results.getByTestId('result-digest')).toHaveText(first.resultDigest);
    await see(results.locator('[data-testid="result-value"][data-name="mean"]')).toHaveText(`mean: ${String(first.result['mean'])}`);
    await see(results.locator('[data-testid="result-value"][data-name="n"]')).toHaveText(`n: ${String(first.result['n'])}`);

    // The datasets to choose from are those the version's infrastructure names for its data owner, as the
    // VSP's own bridge reads the version from its peer: the one dataset the scenario gave the DSP's node.
    const state = await bridgeAs(vsp, 'GET', `/daos/${daoId}/versions/1/state`);
    expect(state.status).toBe(200);
    const workloads = (state.body['infrastructure'] as { workloads: Array<{ owner: string; parameters?: { datasets?: Record<string, unknown> } }> }).workloads;
    const named = workloads.filter((w) => w.owner === dsp.mspId).flatMap((w) => Object.keys(w.parameters?.datasets ?? {}));
    expect(named).toEqual([computation.dataset.name]);
    const ask = page.getByTestId('ask-computation');
    const datasets = ask.getByRole('combobox', { name: 'Dataset' });
    await see(datasets.locator('option')).toHaveCount(named.length);
    expect(await datasets.locator('option').evaluateAll((options) => options.map((o) => o.getAttribute('value')))).toEqual(named);
    await see(ask.getByTestId('no-datasets')).toHaveCount(0);

    // The page was loaded anew after sign-in, so it holds no key: the request is signed with the key
    // given here (each member's node checks who asked), and held once the coordinator has taken it.
    const keyField = ask.getByRole('textbox', { name: 'Your private key (PEM)' });
    await keyField.fill(vsp.identity.privateKeyPem);

    // A bad form is refused in the page with the code a service would give, and nothing is asked.
    await ask.getByRole('combobox', { name: 'Computation' }).selectOption('mean');
    await see(ask.getByTestId('ask-recipients')).toHaveText(`By the terms its result goes to ${vsp.mspId}.`);
    await datasets.selectOption(computation.dataset.name);
    await ask.getByRole('textbox', { name: 'Columns' }).fill(' , ');
    await ask.getByRole('button', { name: 'Ask' }).click();
    await see(ask.getByRole('alert')).toContainText('INVALID_REQUEST (400)');
    await see(ask.getByTestId('asked')).toHaveCount(0);

    // The same mean asked in the page: queued at the coordinator, each node checks its own ledger, and the
    // result reaches the VSP's own bridge, where the page reads it without a reload.
    await ask.getByRole('textbox', { name: 'Columns' }).fill(computation.dataset.column);
    await ask.getByRole('button', { name: 'Ask' }).click();
    await see(ask.getByTestId('asked-status'), 300_000).toHaveText('COMPLETED');
    await see(ask.getByTestId('asked-done')).toContainText('the result is in your domain');
    // The key is held now: the page asks for it no more.
    await see(keyField).toHaveCount(0);
    const asked = await ask.getByTestId('asked').getAttribute('data-computation');
    expect(asked).toMatch(/\S/);
    expect(asked).not.toBe(computation.id);
    askedInPage = asked!;
    const now = await kept(vsp, daoId);
    expect(now.map((k) => k.jobId).sort()).toEqual([computation.id, asked!].sort());
    const second = now.find((k) => k.jobId === asked)!;
    const secondRow = results.locator(`[data-testid="result-row"][data-job="${asked}"]`);
    await see(secondRow.getByTestId('result-tx')).toHaveText(second.txId);
    // The same data and the same program: the same figures, so the same digest.
    expect(second.resultDigest).toBe(first.resultDigest);
    await see(results.getByTestId('result-row')).toHaveCount(2);

    // The coordinator only scheduled it: it has the digest, never the result.
    const coordinator = serviceUrl(scenario!.ctx.settings, 'mpc-coordinator');
    const token = await login(coordinator, vsp.identity);
    const status = (await (await fetch(`${coordinator}/computations/${asked}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { status: string; resultDigest?: string };
    expect(status).toMatchObject({ status: 'completed', resultDigest: second.resultDigest });
    const atCoordinator = await fetch(`${coordinator}/computations/${asked}/result`, { headers: { authorization: `Bearer ${token}` } });
    expect(atCoordinator.status).toBe(409);

    await page.mouse.move(1200, 880);
    await expectAccessible(page, 'a DAO with computations');
    if (SHOTS) await page.screenshot({ path: join(SHOTS, 'console-computations.png'), fullPage: true });
    await page.close();
  });

  it("shows the DSP no result (it is not a recipient) and its dataset's usage trail as its own bridge answers it", async () => {
    const computation = formed.computation!;
    const { daoId } = formed;
    expect(await kept(dsp, daoId)).toEqual([]);
    const page = await daoPage(dsp, daoId);
    await see(page.getByTestId('results').getByTestId('no-results')).toBeVisible();

    const answer = await bridgeAs(dsp, 'GET', `/datasets/${computation.dataset.name}/usage?daoId=${daoId}`);
    expect(answer.status).toBe(200);
    const entries = (answer.body as unknown as { entries: Array<{ usageId: string; txId: string; outcome: string; requester: { mspId: string } }> }).entries;
    // The scenario's mean, the VSP's refused request (the result to the DSP) and the mean asked in the page: each in the trail.
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ usageId: computation.id, outcome: 'granted', requester: expect.objectContaining({ mspId: vsp.mspId }) }),
        expect.objectContaining({ outcome: 'refused', requester: expect.objectContaining({ mspId: vsp.mspId }) }),
        ...(askedInPage ? [expect.objectContaining({ usageId: askedInPage, outcome: 'granted' })] : []),
      ]),
    );
    const usage = page.getByTestId('usage');
    await usage.getByRole('textbox', { name: 'Dataset' }).fill(computation.dataset.name);
    await usage.getByRole('button', { name: 'Show its trail' }).click();
    await see(usage.getByTestId('usage-row')).toHaveCount(entries.length);
    expect(await usage.getByTestId('usage-tx').allInnerTexts()).toEqual(entries.map((e) => e.txId));
    expect((await usage.getByTestId('usage-outcome').allInnerTexts()).map((t) => t.split(/\s/)[0]!.toLowerCase())).toEqual(entries.map((e) => e.outcome));
    await expectAccessible(page, 'a DAO, the data owner with computations');
    await page.close();
  });

  it('uses a coordinator client generated from the live OpenAPI document (regenerate with scripts/generate-clients.ts)', async () => {
    for (const client of CLIENTS.filter((c) => c.service === 'coordinator')) {
      expect(readFileSync(client.file, 'utf8')).toBe(await clientSource(client.service, await fetchDocument(serviceUrl(scenario!.ctx.settings, 'mpc-coordinator'))));
    }
  });
});
