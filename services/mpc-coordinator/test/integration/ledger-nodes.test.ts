import request from 'supertest';
import { DataSource } from 'typeorm';
import { ledgerEventCloudEvent, ledgerEventKey, TOPICS, type LedgerEvent } from '@datawell/contracts';
import { createMpcCa, issueMpcCertificate } from '@datawell/mpc';
import { hex, kafkaClient, startCoordinator, waitFor, type Member } from './harness';

jest.setTimeout(180_000);

interface Node {
  mspId: string;
  partyIndex: number;
  controlUrl: string;
  source: string;
  workloadId?: string;
  pin?: { certificatePem: string; caCertificatePem: string };
}

/**
 * MPC nodes registered from the ledger: the coordinator, on its own ledger events topic, reads the
 * provisioner's InfrastructureProvisioned reports (resources.mpcNodes) of a DAO version and
 * registers their nodes as their owners' PUT would — once per event, a later revision replacing
 * the ledger-registered nodes, the most recent write winning over a member's own registration,
 * malformed reports skipped while the consumer carries on.
 */
describe('mpc-coordinator: MPC nodes from InfrastructureProvisioned', () => {
  const run = hex();
  const daoId = `mpcnodes${run}`;
  const channel = `dao-${daoId}-v1`;
  const topic = `${TOPICS.ledgerEvents}.mpc-it-${run}`;
  const kafka = kafkaClient();
  const producer = kafka.producer();
  let coordinator: Awaited<ReturnType<typeof startCoordinator>>;
  let dsp: Member, vsp1: Member, vsp2: Member, stranger: Member;
  let block = 100;
  const url = (port: number) => `https://127.0.0.1:${port}`;

  /** A chaincode event as the bridge relays it: the same block and transaction give the same id. */
  function ledgerEvent(eventName: string, payload: Record<string, unknown>, on = channel): LedgerEvent {
    block += 1;
    return {
      channel: on,
      blockNumber: String(block),
      transactionId: `tx${hex(8)}`,
      eventIndex: 0,
      chaincodeId: 'dao',
      eventName,
      payloadEncoding: 'json',
      payload: payload as never,
      daoId,
    };
  }
  const send = async (...events: LedgerEvent[]) => {
    await producer.send({
      topic,
      messages: events.map((e) => {
        const ce = ledgerEventCloudEvent(e);
        return { key: ledgerEventKey(e), value: JSON.stringify(ce), headers: { ce_id: ce.id } };
      }),
    });
  };
  const idOf = (e: LedgerEvent) => ledgerEventCloudEvent(e).id;
  const provisioned = (revision: number, resources: Record<string, unknown>) =>
    ledgerEvent('InfrastructureProvisioned', { revision, status: 'provisioned', reportedBy: dsp.mspId, atMs: Date.now(), outputsDigest: 'ab'.repeat(32), resources });
  const mpcNode = (owner: Member, partyIndex: number, controlUrl: string) => ({ workloadId: `${daoId}-v1-mpc-${owner.role}-${partyIndex}`, owner: owner.mspId, partyIndex, controlUrl });
  const versionCreated = (version: number) =>
    ledgerEvent(
      'VersionCreated',
      {
        daoId,
        version,
        members: [
          { mspId: dsp.mspId, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 600000 },
          { mspId: vsp1.mspId, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 200000 },
          { mspId: vsp2.mspId, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 200000 },
        ],
        terms: { computations: [{ name: 'mean', resultRecipients: [vsp1.mspId] }] },
      },
      `dao-${daoId}-v${version}`,
    );
  const api = () => request(coordinator.app.getHttpServer());
  const as = (m: Member) => ({ Authorization: `Bearer ${m.token}` });
  const nodes = async (version = 1): Promise<Node[] | undefined> => {
    const res = await api().get(`/daos/${daoId}/versions/${version}/nodes`).set(as(vsp2));
    return res.status === 200 ? (res.body as Node[]) : undefined;
  };
  /** Waits until the consumer has handled everything sent before: a VersionCreated of a new version behind it (same DAO, same partition). */
  let barrierVersion = 1;
  const drained = async () => {
    barrierVersion += 1;
    const v = barrierVersion;
    await send(versionCreated(v));
    await waitFor(`version ${v} in the read model`, () => nodes(v));
  };
  const logged = (message: string, id: string) =>
    coordinator.logs
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes(message) && line.includes(JSON.stringify(id))).length;

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true }).finally(() => admin.disconnect());
    await producer.connect();
    coordinator = await startCoordinator(run, { MPC_COORDINATOR_LEDGER_EVENTS_TOPIC: topic });
    dsp = await coordinator.member('DSP', 'Dsp');
    vsp1 = await coordinator.member('VSP', 'Vspa');
    vsp2 = await coordinator.member('VSP', 'Vspb');
    stranger = await coordinator.member('VSP', 'Str');
    await send(versionCreated(1));
    await waitFor('the VersionCreated read model', () => nodes(1));
  });

  afterAll(async () => {
    await producer.disconnect();
    await coordinator?.close();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  let first: LedgerEvent;

  it("registers the reported nodes for their owners, seen by members over GET, and a member's PUT overrides its own", async () => {
    expect(await nodes()).toEqual([]);
    first = provisioned(1, { nodes: 3, mpcNodes: [mpcNode(vsp2, 2, url(7102)), mpcNode(dsp, 0, url(7100)), mpcNode(vsp1, 1, url(7101))] });
    await send(first);
    const registered = await waitFor('the ledger-registered nodes', async () => ((await nodes())?.length === 3 ? nodes() : undefined));
    expect(registered).toEqual([
      { mspId: dsp.mspId, partyIndex: 0, controlUrl: url(7100), source: 'ledger', workloadId: `${daoId}-v1-mpc-DSP-0` },
      { mspId: vsp1.mspId, partyIndex: 1, controlUrl: url(7101), source: 'ledger', workloadId: `${daoId}-v1-mpc-VSP-1` },
      { mspId: vsp2.mspId, partyIndex: 2, controlUrl: url(7102), source: 'ledger', workloadId: `${daoId}-v1-mpc-VSP-2` },
    ]);
    // Non-members see nothing, not even that the version exists.
    expect((await api().get(`/daos/${daoId}/versions/1/nodes`).set(as(stranger)).expect(404)).body).toMatchObject({ code: 'VERSION_NOT_FOUND' });
    // A member moves its node to a self-hosted one by hand: the most recent write wins.
    const put = await api().put(`/daos/${daoId}/versions/1/nodes`).set(as(vsp2)).send({ partyIndex: 2, controlUrl: url(9102) }).expect(200);
    expect(put.body).toEqual({ mspId: vsp2.mspId, partyIndex: 2, controlUrl: url(9102), source: 'member' });
    // Another member's ledger-registered party index is not the caller's to take.
    const taken = await api().put(`/daos/${daoId}/versions/1/nodes`).set(as(vsp1)).send({ partyIndex: 0, controlUrl: url(9101) });
    expect(taken.status).toBe(400);
    expect((await nodes())![2]).toEqual({ mspId: vsp2.mspId, partyIndex: 2, controlUrl: url(9102), source: 'member' });
  });

  it('applies a redelivered event once', async () => {
    await send(first, first);
    await drained();
    // Applied again, the report would have taken vsp2's slot back from its hand registration.
    expect((await nodes())!.map((n) => [n.mspId, n.controlUrl, n.source])).toEqual([
      [dsp.mspId, url(7100), 'ledger'],
      [vsp1.mspId, url(7101), 'ledger'],
      [vsp2.mspId, url(9102), 'member'],
    ]);
    const ds = coordinator.app.get(DataSource);
    const schema = (ds.options as { schema: string }).schema;
    const inbox = (await ds.query(`SELECT count(*)::int AS n FROM "${schema}".inbox WHERE event_id = $1`, [idOf(first)])) as Array<{ n: number }>;
    expect(inbox[0]!.n).toBe(1);
    expect(logged('MPC nodes registered from the ledger', idOf(first))).toBe(1);
  });

  it('skips malformed or inapplicable reports and reports without mpcNodes, and keeps consuming', async () => {
    const before = await nodes();
    const malformed = [
      provisioned(2, { mpcNodes: [mpcNode(dsp, 0, 'http://127.0.0.1:7100')] }),
      provisioned(2, { mpcNodes: 'oops' }),
      provisioned(2, { mpcNodes: [{ owner: dsp.mspId, partyIndex: 0 }] }),
      provisioned(2, { mpcNodes: [mpcNode(dsp, 0, url(7200)), mpcNode(vsp1, 0, url(7201))] }),
    ];
    // Well-formed, but the PUT route would refuse these owners: not a member, an index past the members.
    const refused = [
      provisioned(2, { mpcNodes: [mpcNode(dsp, 0, url(7200)), mpcNode(stranger, 2, url(7202))] }),
      provisioned(2, { mpcNodes: [mpcNode(vsp1, 3, url(7203))] }),
    ];
    const without = provisioned(2, { nodes: 3 });
    await send(...malformed, ...refused, without);
    await drained();
    expect(await nodes()).toEqual(before);
    for (const e of malformed) expect(logged('ignored a ledger event', idOf(e))).toBe(1);
    for (const e of refused) expect(logged('skipped the MPC nodes of an infrastructure report', idOf(e))).toBe(1);
    expect(logged('MPC nodes', idOf(without)) + logged('ignored a ledger event', idOf(without))).toBe(0);
    // The consumer still applies the next good report.
    const next = provisioned(3, { mpcNodes: [mpcNode(dsp, 0, url(7100)), mpcNode(vsp1, 1, url(7301))] });
    await send(next);
    await waitFor('revision 3', async () => ((await nodes())?.[1]?.controlUrl === url(7301) ? true : undefined));
    expect(await nodes()).toEqual([
      { mspId: dsp.mspId, partyIndex: 0, controlUrl: url(7100), source: 'ledger', workloadId: `${daoId}-v1-mpc-DSP-0` },
      { mspId: vsp1.mspId, partyIndex: 1, controlUrl: url(7301), source: 'ledger', workloadId: `${daoId}-v1-mpc-VSP-1` },
      // Not in the report, registered by its member: kept.
      { mspId: vsp2.mspId, partyIndex: 2, controlUrl: url(9102), source: 'member' },
    ]);
  });

  it("lets a later revision replace the ledger-registered nodes and a member's own, and ignores an older one", async () => {
    const later = provisioned(5, { mpcNodes: [mpcNode(dsp, 0, url(7100)), mpcNode(vsp2, 2, url(7502))] });
    await send(later);
    await waitFor('revision 5', async () => ((await nodes())?.length === 2 ? true : undefined));
    expect(await nodes()).toEqual([
      { mspId: dsp.mspId, partyIndex: 0, controlUrl: url(7100), source: 'ledger', workloadId: `${daoId}-v1-mpc-DSP-0` },
      { mspId: vsp2.mspId, partyIndex: 2, controlUrl: url(7502), source: 'ledger', workloadId: `${daoId}-v1-mpc-VSP-2` },
    ]);
    const stale = provisioned(4, { mpcNodes: [mpcNode(vsp1, 1, url(7401))] });
    await send(stale);
    await drained();
    expect((await nodes())!.map((n) => n.mspId)).toEqual([dsp.mspId, vsp2.mspId]);
    expect(logged('skipped the MPC nodes of an infrastructure report', idOf(stale))).toBe(1);
  });

  it('keeps the certificates a member reported for a node it runs in its own domain, and serves them as its pin', async () => {
    const [nodeCa, otherCa] = [await createMpcCa('member-ca', 1), await createMpcCa('other-ca', 1)];
    const cert = (await issueMpcCertificate(nodeCa, 'mpc-node', 1)).cert;
    const pinned = { meshEndpoint: '127.0.0.1:7600', certificatePem: cert, caCertificatePem: nodeCa.cert };
    await send(provisioned(6, { mpcNodes: [{ ...mpcNode(dsp, 0, url(7100)), ...pinned }, mpcNode(vsp2, 2, url(7502))] }));
    await waitFor('revision 6', async () => ((await nodes())?.[0]?.pin ? true : undefined));
    const [own, other] = (await nodes())!;
    expect(own).toMatchObject({ mspId: dsp.mspId, source: 'ledger', pin: { certificatePem: cert, caCertificatePem: nodeCa.cert } });
    expect(other).not.toHaveProperty('pin');
    // A later report of the same node under another CA replaces the pin.
    await send(provisioned(7, { mpcNodes: [{ ...mpcNode(dsp, 0, url(7100)), ...pinned, caCertificatePem: otherCa.cert }, mpcNode(vsp2, 2, url(7502))] }));
    await waitFor('revision 7', async () => ((await nodes())?.[0]?.pin?.caCertificatePem === otherCa.cert ? true : undefined));
  });
});
