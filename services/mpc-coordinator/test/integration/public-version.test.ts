import { X509Certificate } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { MARKETPLACE_CHANNEL } from '@datawell/contracts';
import { freePort, hex, kafkaClient, publishLedgerEvent, startCoordinator, waitFor, type Member } from './harness';

jest.setTimeout(180_000);

interface Node {
  mspId: string;
  partyIndex: number;
  controlUrl: string;
  source: string;
  pin?: { certificatePem: string; caCertificatePem: string };
}

const der = (pem: string) => new X509Certificate(pem).raw.toString('base64');

/**
 * A DAO of domains: the operator's peer is on none of its channels, so the coordinator knows its
 * version only from the marketplace's public directory (DaoPublished on the marketplace channel,
 * relayed on the ledger events topic). Its members' nodes register themselves, logged in with their
 * own identities from their members' CAs, and are pinned; requests must name their recipients.
 */
describe('mpc-coordinator: a version known from the public directory', () => {
  const run = hex();
  const daoId = `pubdao${run}`;
  const kafka = kafkaClient();
  let coordinator: Awaited<ReturnType<typeof startCoordinator>>;
  let dsp: Member, vsp: Member, stranger: Member;
  const api = () => request(coordinator.app.getHttpServer());
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  const published = (dao: string, version: number, members: readonly Member[], status: 'active' | 'dissolved' = 'active') =>
    publishLedgerEvent(
      kafka,
      MARKETPLACE_CHANNEL,
      'DaoPublished',
      // As the marketplace chaincode emits it: the payload's channel is the one it was emitted on.
      { daoId: dao, name: dao, summary: 'a DAO of domains', version, channel: 'marketplace', members: members.map((m) => m.mspId), status, publishedBy: dsp.mspId, updatedAtMs: Date.now(), created: true },
      coordinator.eventsTopic,
    );
  const nodes = async (m: Member, dao = daoId): Promise<Node[] | undefined> => {
    const res = await api().get(`/daos/${dao}/versions/1/nodes`).set(as(m.token));
    return res.status === 200 ? (res.body as Node[]) : undefined;
  };
  /** The mean of the DSP's readings as `m` asks for it (to `m` unless `extra` names recipients), signed by `m`'s enrolled identity. */
  const signedAsk = (m: Member, extra: Record<string, unknown> = {}) =>
    m.sign({ daoId, version: 1, computation: 'mean', parameters: { columns: ['temperature'] }, dataset: { name: 'readings', owner: dsp.mspId }, recipients: [m.mspId], requestId: `pv-${hex()}`, ...extra });
  const ask = (m: Member, extra: Record<string, unknown> = {}) => api().post('/computations').set(as(m.token)).send(signedAsk(m, extra));

  beforeAll(async () => {
    coordinator = await startCoordinator(run);
    dsp = await coordinator.member('DSP', 'Dsp');
    vsp = await coordinator.member('VSP', 'Vsp');
    stranger = await coordinator.member('VSP', 'Str');
    await published(daoId, 1, [dsp, vsp]);
    await waitFor('the public version in the read model', () => nodes(vsp));
  });

  afterAll(async () => {
    await coordinator?.close();
  });

  it('lets its listed members see it, and answers anyone else as an unknown version', async () => {
    expect(await nodes(dsp)).toEqual([]);
    const res = await api().get(`/daos/${daoId}/versions/1/nodes`).set(as(stranger.token));
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'VERSION_NOT_FOUND' });
  });

  it("registers a member's node logged in with its own identity, pinned to the certificate it gave under its member's CA", async () => {
    const node = await vsp.enrol(`mpc-node-${hex()}`);
    const controlUrl = `https://127.0.0.1:${await freePort()}`;
    const put = await api().put(`/daos/${daoId}/versions/1/nodes`).set(as(node.token)).send({ partyIndex: 1, controlUrl, certificatePem: node.certificatePem });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ mspId: vsp.mspId, partyIndex: 1, controlUrl, source: 'member' });
    const listed = (await nodes(dsp))!.find((n) => n.mspId === vsp.mspId);
    expect(listed?.pin).toBeDefined();
    expect(der(listed!.pin!.certificatePem)).toBe(der(node.certificatePem));
    // The CA pinned is the member's own, as the identity directory holds it.
    expect(new X509Certificate(node.certificatePem).checkIssued(new X509Certificate(listed!.pin!.caCertificatePem))).toBe(true);
    expect(new X509Certificate(node.certificatePem).verify(new X509Certificate(listed!.pin!.caCertificatePem).publicKey)).toBe(true);
  });

  it("refuses another MSP's certificate and garbage, naming the field and never echoing the PEM; and a party index beyond the listed members", async () => {
    const other = await dsp.enrol(`mpc-node-${hex()}`);
    const url = `https://127.0.0.1:${await freePort()}`;
    const foreign = await api().put(`/daos/${daoId}/versions/1/nodes`).set(as(vsp.token)).send({ partyIndex: 1, controlUrl: url, certificatePem: other.certificatePem });
    expect(foreign.status).toBe(400);
    expect(foreign.body).toMatchObject({ code: 'INVALID_REQUEST', message: `certificatePem: not issued by the CA of ${vsp.mspId} in the identity directory` });
    expect(JSON.stringify(foreign.body)).not.toContain('BEGIN CERTIFICATE');
    const garbage = await api().put(`/daos/${daoId}/versions/1/nodes`).set(as(vsp.token)).send({ partyIndex: 1, controlUrl: url, certificatePem: 'not a certificate' });
    expect(garbage.status).toBe(400);
    expect(garbage.body).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/^certificatePem: /) });
    const beyond = await api().put(`/daos/${daoId}/versions/1/nodes`).set(as(vsp.token)).send({ partyIndex: 2, controlUrl: url });
    expect(beyond.status).toBe(400);
    // The refused registrations left the pinned one as it was.
    expect((await nodes(vsp))!.find((n) => n.mspId === vsp.mspId)?.controlUrl).not.toBe(url);
  });

  it('needs the recipients and the data owner named (both signed; the terms are private to the DAO channel), queues a request that names them, and writes no ledger command for it', async () => {
    const dspNode = await dsp.enrol(`mpc-node-${hex()}`);
    expect((await api().put(`/daos/${daoId}/versions/1/nodes`).set(as(dspNode.token)).send({ partyIndex: 0, controlUrl: `https://127.0.0.1:${await freePort()}`, certificatePem: dspNode.certificatePem })).status).toBe(200);
    const without = await api().post('/computations').set(as(vsp.token)).send({ ...signedAsk(vsp), recipients: undefined });
    expect(without.status).toBe(400);
    expect(without.body).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/^recipients: a signed request names its recipients/) });
    const noOwner = await api().post('/computations').set(as(vsp.token)).send({ ...signedAsk(vsp), dataset: { name: 'readings' } });
    expect(noOwner.body).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/^dataset\.owner: a signed request names its dataset's owner/) });
    // A listed member that the identity directory does not know as a DSP is no data owner.
    expect((await ask(vsp, { dataset: { name: 'readings', owner: vsp.mspId } })).body).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/^dataset\.owner: .* is not a data owner/) });
    const outsider = await ask(stranger, { recipients: [vsp.mspId] });
    expect([outsider.status, outsider.body.code]).toEqual([404, 'VERSION_NOT_FOUND']);
    const granted = await ask(vsp, { recipients: [vsp.mspId] });
    expect(granted.status).toBe(202);
    // The data owner it named, the listed member whose identity-directory role is DSP.
    expect(granted.body).toMatchObject({ daoId, version: 1, requester: vsp.mspId, recipients: [vsp.mspId], owner: dsp.mspId });
    const id = granted.body.id as string;
    // The nodes do not listen: the job fails, and neither that nor the refusals are the coordinator's to record.
    const failed = await waitFor('the computation to end', async () => {
      const res = await api().get(`/computations/${id}`).set(as(vsp.token));
      return res.body.status === 'failed' ? (res.body as { error: { code: string } }) : undefined;
    });
    expect(failed.error.code).toMatch(/^NODE_/);
    const commands = (await coordinator.app.get(DataSource).query(`SELECT id FROM mpc_coordinator.outbox WHERE payload::text LIKE $1`, [`%${daoId}%`])) as unknown[];
    expect(commands).toEqual([]);
  });

  it('applies a dissolution: its members are no longer active', async () => {
    await published(daoId, 1, [dsp, vsp], 'dissolved');
    const refused = await waitFor('the dissolution in the read model', async () => {
      const res = await ask(vsp, { recipients: [vsp.mspId] });
      return res.status === 403 ? res : undefined;
    });
    expect(refused.body).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/exited/) });
  });

  it("reads no DAO channel's event: the channel's VersionCreated and infrastructure report give no version and no node, the public entry does; a malformed entry is skipped", async () => {
    const channelDao = `chandao${run}`;
    const channel = `dao-${channelDao}-v1`;
    // What the DAO's own channel would say (the operator's peer is on none in a deployment of domains):
    // another member list, terms, and a node reported for the DSP.
    await publishLedgerEvent(
      kafka,
      channel,
      'VersionCreated',
      { daoId: channelDao, version: 1, members: [{ mspId: dsp.mspId, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 500_000 }, { mspId: stranger.mspId, group: 'J', role: 'VSP', weight: 1, ownershipPpm: 500_000 }], terms: { computations: [{ name: 'mean', resultRecipients: [stranger.mspId] }] } },
      coordinator.eventsTopic,
    );
    const reported = { workloadId: `${channelDao}-v1-mpc-DSP-0`, owner: dsp.mspId, partyIndex: 0, controlUrl: `https://127.0.0.1:${await freePort()}` };
    await publishLedgerEvent(kafka, channel, 'InfrastructureProvisioned', { daoId: channelDao, revision: 1, status: 'provisioned', reportedBy: dsp.mspId, atMs: Date.now(), outputsDigest: 'ab'.repeat(32), resources: { mpcNodes: [reported] } }, coordinator.eventsTopic);
    // A malformed public entry (an active DAO without its members), then a good one: all of one DAO, so one partition, in this order.
    await publishLedgerEvent(kafka, MARKETPLACE_CHANNEL, 'DaoPublished', { daoId: channelDao, name: channelDao, summary: 'no members', version: 1, channel: 'marketplace', status: 'active', publishedBy: dsp.mspId, updatedAtMs: Date.now(), created: true }, coordinator.eventsTopic);
    await published(channelDao, 1, [dsp, vsp]);
    const listed = await waitFor('the public entry behind the channel events', () => nodes(vsp, channelDao));
    // The public entry's members only: the channel's member is a stranger here, the reported node was never registered.
    expect(listed).toEqual([]);
    expect((await api().get(`/daos/${channelDao}/versions/1/nodes`).set(as(stranger.token))).status).toBe(404);
    const row = (await coordinator.app.get(DataSource).query(`SELECT members FROM mpc_coordinator.dao_versions WHERE dao_id = $1`, [channelDao])) as Array<{ members: Array<{ mspId: string; role: string }> }>;
    expect(row).toEqual([{ members: [{ mspId: dsp.mspId, role: '', group: '', status: 'active' }, { mspId: vsp.mspId, role: '', group: '', status: 'active' }] }]);
    expect(coordinator.logs.join('')).toContain('without its members');
    // A request on it is judged as on any public version: named recipients, the nodes to check the terms.
    const onIt = await api().post('/computations').set(as(vsp.token)).send(signedAsk(vsp, { daoId: channelDao }));
    expect([onIt.status, onIt.body.daoId, onIt.body.recipients]).toEqual([202, channelDao, [vsp.mspId]]);
  });
});
