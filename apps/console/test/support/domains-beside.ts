import { ApiError, login, registerDomainParticipant, until, type DomainMember } from '@datawell/testing';
import type { StackContext } from '@datawell/stack';
import { bridgeAs, dev, domainMember } from './scenario';

type Members = ReadonlyArray<readonly [mspId: string, role: 'DSP' | 'VSP']>;

/** The member domains whose services run now (`./dev domain services --json`: it exits 1 when one is not running, with the same JSON). */
async function running(): Promise<Set<string>> {
  const stdout = await dev(['domain', 'services', '--json']).then(
    (r) => r.stdout,
    (error: unknown) => String((error as { stdout?: unknown }).stdout ?? '{"services":[]}'),
  );
  const { services } = JSON.parse(stdout) as { services: Array<{ domain: string; pid?: number }> };
  return new Set(services.filter((s) => s.pid !== undefined).map((s) => s.domain));
}

/**
 * Member domains beside a test's own in-process operator services (a marketplace and an operator
 * bridge on the test's topics), as organisations come to the marketplace: each domain
 * made (`./dev domain add`, reused across runs), its own member services started (`./dev domain
 * start`: its ledger bridge joins its peer to `marketplace` once the operator admits it, and signs
 * its transactions), registered at `marketplaceUrl` without an identity until the ledger has it
 * active, and a person of each enrolled at its own CA. The domains are the test's own (no other file
 * uses their names), so their services' inboxes and topics are theirs alone. `stop()` stops the
 * services this started.
 */
export async function domainsBeside(ctx: StackContext, marketplaceUrl: string, members: Members): Promise<{ members: Record<string, DomainMember>; stop(): Promise<void> }> {
  const before = await running();
  const stop = async () => {
    const started = [...(await running())].filter((d) => !before.has(d) && members.some(([m]) => m === d));
    if (started.length > 0) await dev(['domain', 'stop', ...started]);
  };
  try {
    for (const [mspId, role] of members) await dev(['domain', 'add', mspId, '--role', role]);
    await dev(['domain', 'start', ...members.map(([mspId]) => mspId)]);
    const people: Record<string, DomainMember> = {};
    for (const [mspId, role] of members) {
      await registerDomainParticipant(marketplaceUrl, { mspId, role }, (m) => ctx.progress.step('domains', m), 600_000);
      people[mspId] = await domainMember(ctx, mspId, role);
    }
    return { members: people, stop };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}

/**
 * An offer of a member posted as the member posts it: signed through its own bridge (retried while
 * its peer still joins `marketplace` or launches the chaincode for its first endorsement: 503), then
 * its text given to the marketplace by the member itself once the marketplace has the offer from the
 * ledger, until the catalogue lists it open with that text. Its id.
 */
export async function offerThroughOwnBridge(m: DomainMember, marketplaceUrl: string, offer: Record<string, unknown> & { readonly description: string }): Promise<string> {
  const posted = await until(
    `${m.mspId}'s offer through its own bridge`,
    async () => {
      const answer = await bridgeAs(m, 'POST', '/offers', offer);
      if (answer.status === 503) return undefined;
      if (answer.status >= 300) throw new ApiError(answer.status, String(answer.body['code']), JSON.stringify(answer.body));
      return answer.body as unknown as { offer: { offerId: string; owner: string } };
    },
    300_000,
    2000,
  );
  if (posted.offer.owner !== m.mspId) throw new Error(`the offer's owner is ${posted.offer.owner}, not ${m.mspId}`);
  const { offerId } = posted.offer;
  const token = await login(marketplaceUrl, m.identity);
  await until(
    `the description of ${offerId} given`,
    async () => {
      const answer = await fetch(`${marketplaceUrl}/offers/${encodeURIComponent(offerId)}/description`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ description: offer.description }) });
      // 404 until the marketplace has the offer from the ledger.
      return answer.ok ? true : answer.status === 404 ? undefined : Promise.reject(new ApiError(answer.status, 'REFUSED', await answer.text()));
    },
    120_000,
  );
  await until(
    `${offerId} open in the catalogue`,
    async () => {
      const o = (await (await fetch(`${marketplaceUrl}/offers/${encodeURIComponent(offerId)}`)).json()) as { status?: string; description?: string | null };
      return o.status === 'open' && o.description === offer.description ? true : undefined;
    },
    120_000,
  );
  return offerId;
}
