import { channelAdmin, channelOrganisations, findDomain, memberServiceUrl, type StackContext } from '@datawell/stack';
import { login, until, type DomainMember } from '@datawell/testing';
import type { Page } from 'playwright-core';
import { see } from './browser';
import { bridgeAs, dev, pct } from './scenario';

/*
 * What a DAO page shows, against what the member's own services and the CLI answer independently of
 * the page: the version sections against its bridge's state and entitlements, each revenue event's
 * payouts against the allocations its bridge reads, and the payouts against `./dev economics split`.
 */

const bridge = (m: DomainMember, path: string) => bridgeAs(m, 'GET', path);

/** What the member's own provisioner or telemetry answers it, with its own token there. */
export async function ownService<T>(ctx: StackContext, m: DomainMember, service: 'provisioner' | 'telemetry', path: string): Promise<T> {
  const url = memberServiceUrl(ctx.settings, findDomain(ctx, m.mspId), service);
  const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${await login(url, m.identity)}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

type AllocationAnswer = { allocationId: string; source: { kind: string; revenueId?: string; sourceChannel?: string; sourceTxId?: string }; lump: string; payouts: Array<{ mspId: string; amount: string }>; txId: string };

/** `./dev economics split` of one revenue over the versions' β (as the CLI takes them: decimals), by member: D, then J_1, J_2, … */
export async function split(total: string, betaPpms: number[], members: { d: string; joiners: string[] }): Promise<Record<string, string>> {
  const betas = betaPpms.map((b) => (b / 1_000_000).toString()).join(',');
  const { stdout } = await dev(['economics', 'split', '--total', total, '--betas', betas, '--json']);
  const r = JSON.parse(stdout) as { dsp: string | number; vsps: Array<string | number> };
  return Object.fromEntries([[members.d, String(r.dsp)], ...members.joiners.map((j, i) => [j, String(r.vsps[i])])]);
}

/** The page's version section against GetVersion and GetEntitlements as the member's bridge answers them. */
export async function expectVersionAsBridge(page: Page, m: DomainMember, daoId: string, version: number): Promise<{ members: string[]; amounts: Record<string, string> }> {
  const state = await bridge(m, `/daos/${daoId}/versions/${version}/state`);
  const ents = await bridge(m, `/daos/${daoId}/versions/${version}/entitlements`);
  expect([state.status, ents.status]).toEqual([200, 200]);
  const s = state.body as unknown as { channel: string; betaPpm: number; memberStates: MemberState[] };
  const e = ents.body as unknown as Array<{ mspId: string; amount: string }>;
  const section = page.getByTestId(`version-${version}`);
  await see(section.getByTestId('channel')).toHaveText(s.channel);
  await see(section.getByTestId('beta')).toHaveText(pct(s.betaPpm));
  const rows = section.getByTestId('member-row');
  await see(rows).toHaveCount(s.memberStates.length);
  const amounts: Record<string, string> = {};
  for (const ms of s.memberStates) {
    const row = section.locator(`[data-testid="member-row"][data-msp="${ms.mspId}"]`);
    await see(row.getByTestId('ownership')).toHaveText(pct(ms.ownershipPpm));
    const amount = e.find((x) => x.mspId === ms.mspId)?.amount ?? '0';
    await see(row.getByTestId('entitlement')).toHaveText(amount);
    amounts[ms.mspId] = amount;
  }
  await see(section.getByTestId('my-entitlement')).toContainText(e.find((x) => x.mspId === m.mspId)?.amount ?? '0');
  await expectOwnershipChart(page, version, s.memberStates);
  return { members: s.memberStates.map((x) => x.mspId), amounts };
}

type MemberState = { mspId: string; group: string; status: string; ownershipPpm: number; transferredTo?: string };

/**
 * The version's ownership chart against the member states GetVersion answers: a figure named
 * "Ownership of version N", one drawn bar per active member, and its caption (the chart's text
 * alternative) with each active member's group and ownership, the others named as not charted.
 */
export async function expectOwnershipChart(page: Page, version: number, states: MemberState[]): Promise<void> {
  const figure = page.getByTestId(`version-${version}`).getByRole('figure', { name: `Ownership of version ${version}` });
  await see(figure).toBeVisible();
  const active = states.filter((x) => x.status === 'active');
  const left = states.filter((x) => x.status !== 'active');
  const caption =
    `Ownership of version ${version}: ${active.map((x) => `${x.mspId} (${x.group}) ${pct(x.ownershipPpm)}`).join(', ')}.` +
    (left.length > 0 ? ` Not charted: ${left.map((x) => `${x.mspId} (${x.status}${x.transferredTo ? `, its position went to ${x.transferredTo}` : ''})`).join(', ')}.` : '');
  await see(figure.getByTestId('ownership-caption')).toHaveText(caption);
  await see(figure.locator('.recharts-bar-rectangle')).toHaveCount(active.length);
}

/**
 * The version section's channel organisations against Fabric's own config of its channel, read here
 * independently of the page and of the bridge (the member's admin fetches the config block,
 * `channelOrganisations`; a new channel's orderer answers SERVICE_UNAVAILABLE until its consenters
 * have a leader: asked again until it answers). Returns Fabric's organisations, sorted.
 */
export async function expectChannelAsFabric(page: Page, ctx: StackContext, m: DomainMember, daoId: string, version: number): Promise<string[]> {
  const channel = `dao-${daoId}-v${version}`;
  const fabric = await until(`the organisations of ${channel} as Fabric reports them to ${m.mspId}`, () => channelOrganisations(channelAdmin(ctx, m.mspId), channel), 60_000, 2000);
  // Found by its accessible name (its heading labels it), then known by its test id.
  const list = page.getByTestId(`version-${version}`).getByRole('list', { name: 'Channel organisations (Fabric’s channel config)' });
  await see(list).toBeVisible();
  await see(list).toHaveAttribute('data-testid', 'channel-organisations');
  await see(list).toHaveAttribute('data-channel', channel);
  await see(list.getByTestId('channel-organisation')).toHaveCount(fabric.length);
  const shown = await list.getByTestId('channel-organisation').evaluateAll((items) => items.map((x) => x.getAttribute('data-msp')));
  expect([...shown].sort()).toEqual([...fabric].sort());
  return [...fabric].sort();
}

/**
 * The page's revenue event against the allocations the member's bridge answers (GetAllocation of the
 * ids its events listed): the one revenue of `revenue` recorded on the top version, then the relay of
 * its rest on each version below that the member reads, followed by source transaction. Each
 * member's payout on the page is the sum of its payouts over those levels, with each level's
 * transaction. Returns the payouts.
 */
export async function expectRevenueAsBridge(page: Page, m: DomainMember, daoId: string, versions: number[], revenue: string): Promise<Record<string, string>> {
  const allocations = new Map<number, AllocationAnswer[]>();
  for (const v of versions) {
    const answer = await bridge(m, `/daos/${daoId}/versions/${v}/allocations`);
    expect(answer.status).toBe(200);
    allocations.set(v, answer.body as unknown as AllocationAnswer[]);
  }
  const top = Math.max(...versions);
  const revenues = allocations.get(top)!.filter((a) => a.source.kind === 'revenue');
  expect(revenues.map((r) => r.lump)).toEqual([revenue]);
  const recorded = revenues[0]!;
  const payouts: Record<string, bigint> = {};
  const txs: Record<string, string[]> = {};
  let at: AllocationAnswer | undefined = recorded;
  for (let v = top; at; v--) {
    for (const p of at.payouts) {
      payouts[p.mspId] = (payouts[p.mspId] ?? 0n) + BigInt(p.amount);
      txs[p.mspId] = [...(txs[p.mspId] ?? []), at.txId];
    }
    const from: AllocationAnswer = at;
    at = allocations.get(v - 1)?.find((a) => a.source.kind === 'relay' && a.source.sourceChannel === `dao-${daoId}-v${v}` && a.source.sourceTxId === from.txId);
  }
  const event = page.getByTestId('revenue').locator(`[data-testid="revenue-event"][data-revenue="${recorded.source.revenueId}"]`);
  await see(event.getByTestId('revenue-amount')).toHaveText(revenue);
  await see(event.getByTestId('revenue-tx')).toHaveText(recorded.txId);
  await see(event.getByTestId('payout-row')).toHaveCount(Object.keys(payouts).length);
  for (const [msp, amount] of Object.entries(payouts)) {
    const row = event.locator(`[data-testid="payout-row"][data-msp="${msp}"]`);
    await see(row.getByTestId('payout')).toHaveText(amount.toString());
    expect(await row.getByTestId('payout-tx').allInnerTexts()).toEqual(txs[msp]);
  }
  return Object.fromEntries(Object.entries(payouts).map(([k, v]) => [k, v.toString()]));
}

type JobAnswer = { id: string; daoId: string; kind: string; state: string; progress: number };
const finished = (j: JobAnswer) => j.state === 'completed' || j.state === 'failed';
/** A log or a cell's text as a person reads it: lines without trailing spaces, no blank edges. */
const lines = (text: string) => text.split('\n').map((l) => l.trimEnd()).join('\n').trim();

/**
 * The page's infrastructure jobs against the member's own provisioner (GET /jobs, this DAO's), once
 * every job there is finished: the same jobs, each with its state, its progress and — opened with
 * *Show log* — its log as GET /jobs/:id/logs gives it. Returns the provisioner's jobs.
 */
export async function expectJobsAsProvisioner(page: Page, ctx: StackContext, m: DomainMember, daoId: string, what: (jobs: JobAnswer[]) => boolean = () => true, timeoutMs = 240_000): Promise<JobAnswer[]> {
  const jobs = await until(
    `${m.mspId}'s provisioner's jobs of ${daoId}, finished`,
    async () => {
      const all = (await ownService<JobAnswer[]>(ctx, m, 'provisioner', '/jobs')).filter((j) => j.daoId === daoId);
      return all.every(finished) && what(all) ? all : undefined;
    },
    timeoutMs,
    2000,
  );
  const section = page.getByTestId('jobs');
  await see(section.getByTestId('job-row'), 30_000).toHaveCount(jobs.length);
  for (const j of jobs) {
    const row = section.locator(`[data-testid="job-row"][data-job="${j.id}"]`);
    await see(row.getByTestId('job-state')).toHaveText(j.state.toUpperCase());
    await see(row.getByTestId('job-progress')).toHaveText(`${j.progress} %`);
    const log = (await ownService<Array<{ at: string; line: string }>>(ctx, m, 'provisioner', `/jobs/${encodeURIComponent(j.id)}/logs`)).map((l) => `${l.at}  ${l.line}`);
    await row.getByRole('button', { name: 'Show log' }).click();
    const shown = section.getByTestId('job-log');
    await see(shown).toHaveAttribute('aria-label', `Log of job ${j.id}`);
    const expected = log.length === 0 ? '(no lines yet)' : lines(log.join('\n'));
    const deadline = Date.now() + 30_000;
    while (lines(await shown.innerText()) !== expected && Date.now() < deadline) await page.waitForTimeout(250);
    expect(lines(await shown.innerText())).toBe(expected);
    await row.getByRole('button', { name: 'Hide log' }).click();
  }
  return jobs;
}

type WorkloadAnswer = { workloadId: string; daoId: string; owner: string; version: number; status: string; lastHeartbeatAt: string | null; lastSeq: number | null };
/** A heartbeat's signed time as the page should print it, written here independently of the page's formatting. */
const heartbeatAt = (iso: string) => `${iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`;

/**
 * A heartbeat of the member's own workload appears on the open page without a reload: the page first
 * shows the latest heartbeat the member's own telemetry answers (seq and signed time); once the
 * workload's next heartbeat is in that telemetry, the page shows it within `liveMs`, in the same
 * document. Returns the workload and the seqs seen.
 */
export async function expectHeartbeatLive(page: Page, ctx: StackContext, m: DomainMember, daoId: string, liveMs = 20_000): Promise<{ workloadId: string; seqs: [number, number] }> {
  const read = async () => (await ownService<WorkloadAnswer[]>(ctx, m, 'telemetry', '/workloads')).filter((w) => w.daoId === daoId && w.owner === m.mspId);
  const first = await until(`a heartbeat of a workload of ${m.mspId} in ${daoId}, as its telemetry answers`, async () => (await read()).find((w) => w.lastSeq !== null), 180_000, 2000);
  const cell = page.locator(`[data-testid="workload-row"][data-workload="${first.workloadId}"]`).first().getByTestId('workload-heartbeat');
  const shownSeq = async () => Number((await cell.getAttribute('data-seq').catch(() => null)) ?? -1);
  /** The page shows the heartbeat its telemetry answers now, seq and time (read again until they meet: both move). */
  const meets = async (atLeast: number, timeoutMs: number) =>
    until(
      `the page's heartbeat of ${first.workloadId} at seq ${atLeast} or later, as ${m.mspId}'s telemetry answers`,
      async () => {
        const seq = await shownSeq();
        if (seq < atLeast) return undefined;
        const now = (await read()).find((w) => w.workloadId === first.workloadId);
        if (now?.lastSeq !== seq || !now.lastHeartbeatAt) return undefined;
        const text = await cell.innerText();
        return text.startsWith(heartbeatAt(now.lastHeartbeatAt)) && text.includes(`seq ${seq})`) ? seq : undefined;
      },
      timeoutMs,
      250,
    );
  await page.evaluate('window.__sameDocument = true');
  const seen = await meets(first.lastSeq!, 30_000);
  const later = await until(
    `a heartbeat of ${first.workloadId} after seq ${seen} in ${m.mspId}'s telemetry`,
    async () => {
      const w = (await read()).find((x) => x.workloadId === first.workloadId);
      return w?.lastSeq !== null && w!.lastSeq! > seen ? w!.lastSeq! : undefined;
    },
    120_000,
    1000,
  );
  const then = await meets(later, liveMs);
  expect(await page.evaluate('window.__sameDocument')).toBe(true);
  return { workloadId: first.workloadId, seqs: [seen, then] };
}
