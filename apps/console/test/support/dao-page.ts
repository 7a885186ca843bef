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
  const s = state.body as unknown as { channel: string; betaPpm: number; memberStates: Array<{ mspId: string; ownershipPpm: number }> };
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
  return { members: s.memberStates.map((x) => x.mspId), amounts };
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
