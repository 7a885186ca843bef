import { readFileSync } from 'node:fs';
import { addDomain, channelAdmin, channelOrganisations, memberServiceFiles, up } from '@datawell/stack';
import { call, login, registerDomainParticipant, runDev, until } from '@datawell/testing';
import { domainMemberOnStack, runDomainsOnStack } from '../../src/commands/scenario';
import { REPO_DIR, stackContext } from '../../src/context';
import { startMemberServices, stopMemberServices } from '../../src/services/domain-runner';
import { serviceUrl } from '../../src/services/runner';
import { stopOperatorServicesAfterFile } from './operator-services';

/** `./dev dao transfer …` as a user runs it, against this stack: exit status and one JSON object (or the error line). */
async function dev(...args: string[]): Promise<{ status: number | null; json?: Record<string, unknown>; stderr: string }> {
  const r = await runDev(['dao', 'transfer', ...args, '--json']);
  return { status: r.status, ...(r.status === 0 ? { json: JSON.parse(r.stdout) as Record<string, unknown> } : {}), stderr: r.stderr.trim() };
}
async function ok(...args: string[]): Promise<Record<string, unknown>> {
  const r = await dev(...args);
  if (r.status !== 0) throw new Error(`./dev dao transfer ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.json as Record<string, unknown>;
}

/**
 * A transfer of rights among members in their own trust domains, through the running services and
 * the CLI: the DAO's J2 (in CH_2 only) hands its position to a newcomer in its own domain. The offer,
 * the consent and the acceptance go through each organisation's own bridge with its own identity; the
 * newcomer is seated on exactly CH_2 by a config update signed by a majority of CH_2's admins, each by
 * its own bridge after its check of the update against transfer tf1, and the leaver removed the same way (organisations read with peer channel
 * fetch config + configtxlator); revenue the DSP records afterwards pays the newcomer.
 */
describe('a transfer of rights to a newcomer among trust domains', () => {
  const ctx = stackContext();
  const [DSP, VSP1, VSP2, NEW] = ['TfDspMSP', 'TfVsp1MSP', 'TfVsp2MSP', 'TfNewMSP'] as const;

  afterAll(async () => {
    await stopMemberServices(ctx, [DSP, VSP1, VSP2, NEW]).catch(() => undefined);
    await stopOperatorServicesAfterFile(ctx);
  });

  it('moves J2 to the newcomer on CH_2 only, signed by the parties, and pays it the revenue after', async () => {
    const formed = await runDomainsOnStack({ vsps: 1, joiners: 1, orgPrefix: 'Tf', revenue: 1000n });
    const daoId = formed.daoId;
    const [ch1, ch2] = [`dao-${daoId}-v1`, `dao-${daoId}-v2`];
    await addDomain(ctx, NEW, 'VSP');
    await startMemberServices(ctx, await up(ctx), REPO_DIR, [NEW]);
    const marketplace = serviceUrl(ctx.settings, 'marketplace');
    await registerDomainParticipant(marketplace, { mspId: NEW, role: 'VSP' }, (m) => ctx.progress.step('transfer', m), 600_000);
    // Active at the marketplace first; the newcomer's own bridge knows it once its peer has the registration's block.
    const [dsp, newcomer] = [await domainMemberOnStack(ctx, { mspId: DSP, role: 'DSP' }), await domainMemberOnStack(ctx, { mspId: NEW, role: 'VSP' })];
    await until(`${NEW} to log in at its own bridge`, () => login(newcomer.bridgeUrl, newcomer.identity), 120_000, 1000);
    const organisations = (channel: string) => channelOrganisations(channelAdmin(ctx, DSP), channel);
    expect(await organisations(ch1)).toEqual([DSP, VSP1].sort());
    expect(await organisations(ch2)).toEqual([DSP, VSP1, VSP2].sort());

    // Bad input: one line, exit 2 (checked before the bridge); a refusal of the chaincode: exit 1 with its code.
    expect(await dev('offer', VSP2, '--dao', daoId, '--to', 'not-an-msp')).toMatchObject({ status: 2 });
    const otherLevel = await dev('offer', VSP2, '--dao', daoId, '--to', VSP1);
    expect(otherLevel.status).toBe(1);
    expect(otherLevel.stderr).toMatch(/RECIPIENT_AT_OTHER_LEVEL/);

    const offered = await ok('offer', VSP2, '--dao', daoId, '--to', NEW, '--id', 'tf1') as { channels: Array<{ channel: string; transfer: { status: string } }> };
    expect(offered.channels.map((c) => [c.channel, c.transfer.status])).toEqual([[ch2, 'offered']]);
    const consented = await ok('consent', DSP, '--dao', daoId, '--transfer', 'tf1') as { channels: Array<{ channel: string; transfer: { consented: boolean; status: string } }> };
    expect(consented.channels).toEqual([expect.objectContaining({ channel: ch2, transfer: expect.objectContaining({ consented: true, status: 'offered' }) })]);
    // Before its seat the newcomer's bridge serves no version of the DAO.
    expect((await dev('accept', NEW, '--dao', daoId, '--transfer', 'tf1')).stderr).toMatch(/VERSION_NOT_FOUND/);

    expect(await ok('seat', NEW, '--dao', daoId, '--from', VSP2, '--transfer', 'tf1')).toEqual({ mspId: NEW, channels: [ch2], relayedBy: NEW });
    expect(await organisations(ch2)).toEqual([DSP, NEW, VSP1, VSP2].sort());
    expect(await organisations(ch1)).toEqual([DSP, VSP1].sort());
    const accepted = await ok('accept', NEW, '--dao', daoId, '--transfer', 'tf1') as { channels: Array<{ channel: string; transfer: { status: string; from: string; to: string } }> };
    expect(accepted.channels).toEqual([expect.objectContaining({ channel: ch2, transfer: expect.objectContaining({ status: 'completed', from: VSP2, to: NEW }) })]);
    // The same transfer read over the newcomer's bridge's gRPC (a real connection to its gRPC port) and over HTTP.
    type Shown = { channels: Array<{ channel: string; transfer: { status: string; from: string; to: string; consents: string[]; consented: boolean; acceptedAtMs?: number; accepted?: boolean } }> };
    const project = (t: Shown) => t.channels.map(({ channel, transfer: x }) => ({ channel, status: x.status, from: x.from, to: x.to, consents: x.consents, consented: x.consented, accepted: x.accepted ?? x.acceptedAtMs !== undefined }));
    const overHttp = project(await ok('show', NEW, '--dao', daoId, '--transfer', 'tf1') as Shown);
    expect(overHttp).toEqual([expect.objectContaining({ channel: ch2, status: 'completed', accepted: true })]);
    expect(project(await ok('show', NEW, '--dao', daoId, '--transfer', 'tf1', '--grpc') as Shown)).toEqual(overHttp);
    expect(await dev('show', NEW, '--dao', daoId, '--transfer', 'nope', '--grpc')).toMatchObject({ status: 1, stderr: expect.stringMatching(/gRPC.*NOT_FOUND/) });
    // The leaver's own bridge relayed the transfer (its provisioner acts on it), then stopped following CH_2:
    // the channel is none of its channels any more, before and after its organisation is removed from it.
    const leaverLog = () => readFileSync(memberServiceFiles(ctx.settings, VSP2, 'ledger-bridge').logFile, 'utf8').split('\n').filter((l) => l.includes(`"channel":"${ch2}"`));
    await until(`${VSP2}'s bridge to stop relaying ${ch2}`, async () => (leaverLog().some((l) => l.includes('left the channel: no longer relaying it')) ? true : undefined), 120_000, 1000);
    expect(await dev('show', VSP2, '--dao', daoId, '--transfer', 'tf1')).toMatchObject({ status: 1, stderr: expect.stringMatching(/VERSION_NOT_FOUND/) });
    expect(await ok('unseat', VSP2, '--dao', daoId, '--transfer', 'tf1')).toEqual({ mspId: VSP2, channels: [ch2] });
    expect(await organisations(ch2)).toEqual([DSP, NEW, VSP1].sort());
    expect(await organisations(ch1)).toEqual([DSP, VSP1].sort());

    // Revenue after the transfer, recorded by the DSP through its own bridge: J2's quarter is the newcomer's.
    const before = formed.payouts[VSP2];
    await call(`${dsp.bridgeUrl}/daos/${daoId}/revenue`, { method: 'POST', token: await login(dsp.bridgeUrl, dsp.identity), body: { amount: '1000', kind: 'use', revenueId: 'after-transfer' } });
    const entitlements = await until(
      'the revenue in the newcomer\'s entitlements, read through its own bridge',
      async () => {
        const list = await call<Array<{ mspId: string; amount: string }>>(`${newcomer.bridgeUrl}/daos/${daoId}/versions/2/entitlements`, { token: await login(newcomer.bridgeUrl, newcomer.identity) });
        return list.find((e) => e.mspId === NEW)?.amount === '250' ? list : undefined;
      },
      120_000,
      1000,
    );
    expect(entitlements.find((e) => e.mspId === VSP2)?.amount).toBe(before);
    // Removed from CH_2, the leaver's bridge did not follow it again: nothing of CH_2 after its departure.
    const lines = leaverLog();
    expect(lines.slice(lines.findIndex((l) => l.includes('left the channel: no longer relaying it')) + 1).filter((l) => /event stream|relaying chaincode events|sweep lost/.test(l))).toEqual([]);
    // Four domains made and a DAO formed and grown before the transfer: 283 s in a quiet rehearsal, past
    // jest's 300 s at load 12–17.
  }, 20 * 60_000);
});
