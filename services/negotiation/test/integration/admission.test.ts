import { asParty, bootNegotiation, daoLedgerEvent, hex, waitFor, type Party } from './harness';

jest.setTimeout(180_000);

/**
 * The join an accepted admit-member proposal starts (docs/negotiation.md, "Admission"), on the real
 * PostgreSQL and Kafka: an active member of the DAO (its ledger bridge, in the running system) opens
 * it for the admitted party; the parties (the admitted party and every active member) see it in
 * their list, no one else does; opening it again, by the same member or another, answers the same
 * session, also when several open it at once; every bad opening is refused with its 4xx and code.
 */
describe('negotiation: the join of an admission', () => {
  let neg: Awaited<ReturnType<typeof bootNegotiation>>;
  const as = (p: Party) => asParty(neg, p);

  beforeAll(async () => {
    neg = await bootNegotiation();
  });

  afterAll(async () => {
    await neg?.close();
  });

  it('is opened by a member for the admitted party, once per proposal, and is visible to the parties only', async () => {
    const [dsp, vsp, admitted, outsider, dsp2] = [await neg.party('DSP'), await neg.party('VSP'), await neg.party('VSP'), await neg.party('VSP'), await neg.party('DSP')];
    const daoId = `adm-${hex()}`;
    const members = [
      { mspId: dsp.mspId, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 600_000 },
      { mspId: vsp.mspId, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 400_000 },
    ];
    await neg.publish(neg.topics.ledgerEvents, daoId, daoLedgerEvent(daoId, 1, 'VersionCreated', { daoId, version: 1, agreementId: `agr-${daoId}`, members }));
    await waitFor('the DAO in the read model', async () => ((await as(vsp).get(`/suggestions/beta?daoId=${daoId}&targetOwnershipPpm=100000`)).status === 200 ? true : undefined));

    const proposalId = `admit-${hex()}`;
    const body = { kind: 'join', daoId, joiners: [admitted.mspId], admission: { proposalId } };
    // Bad openings first: nothing is stored by any of them.
    const cases: Array<[string, Party, unknown, number, string]> = [
      ['no admitted party', vsp, { ...body, joiners: [] }, 400, 'INVALID_REQUEST'],
      ['two admitted parties', vsp, { ...body, joiners: [admitted.mspId, outsider.mspId] }, 400, 'INVALID_REQUEST'],
      ['a malformed proposal id', vsp, { ...body, admission: { proposalId: 'bad id!' } }, 400, 'INVALID_REQUEST'],
      ['an unknown field in the admission', vsp, { ...body, admission: { proposalId, by: 'me' } }, 400, 'INVALID_REQUEST'],
      ['a party that is not a VSP', vsp, { ...body, joiners: [dsp2.mspId] }, 400, 'INVALID_REQUEST'],
      ['an unregistered party', vsp, { ...body, joiners: ['GhostMSP'] }, 400, 'UNKNOWN_PARTY'],
      ['an unknown DAO', vsp, { ...body, daoId: `nope-${hex()}` }, 404, 'DAO_NOT_FOUND'],
      ['a caller that is not a member', outsider, body, 403, 'NOT_A_MEMBER'],
      ['admitting a member', dsp, { ...body, joiners: [vsp.mspId] }, 409, 'ALREADY_MEMBER'],
    ];
    for (const [what, by, b, status, code] of cases) {
      const res = await as(by).post('/sessions', b);
      expect([what, res.status, res.body.code]).toEqual([what, status, code]);
    }
    expect((await as(admitted).get('/sessions').expect(200)).body).toEqual([]);

    // Two members' bridges open it at the same moment: one session.
    const [a, b] = await Promise.all([as(vsp).post('/sessions', body), as(dsp).post('/sessions', body)]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).toBe(b.body.id);
    const session = a.body;
    expect(session).toMatchObject({ kind: 'join', daoId, version: 2, state: 'requested', admission: { proposalId } });
    expect([vsp.mspId, dsp.mspId]).toContain(session.admission.openedBy);
    expect(session.createdBy).toBe(session.admission.openedBy);
    expect(session.parties.map((p: { mspId: string; group: string; required: boolean }) => [p.mspId, p.group, p.required])).toEqual([
      [dsp.mspId, 'D', true],
      [vsp.mspId, 'J1', false],
      [admitted.mspId, 'J2', true],
    ]);
    // Again later (a bridge restarted and replayed the decision): the same session.
    expect((await as(vsp).post('/sessions', body).expect(201)).body.id).toBe(session.id);

    // The parties see it; the outsider does not.
    for (const p of [dsp, vsp, admitted]) {
      const list = (await as(p).get('/sessions').expect(200)).body as Array<{ id: string; admission: unknown }>;
      expect(list.find((s) => s.id === session.id)).toMatchObject({ admission: { proposalId, openedBy: session.admission.openedBy } });
    }
    expect(((await as(outsider).get('/sessions').expect(200)).body as Array<{ id: string }>).map((s) => s.id)).not.toContain(session.id);
    await as(outsider).get(`/sessions/${session.id}`).expect(404);
    const history = (await as(admitted).get(`/sessions/${session.id}/history`).expect(200)).body as Array<{ change: string; detail: Record<string, unknown> }>;
    expect(history.map((h) => h.change)).toEqual(['created']);
    expect(history[0]!.detail).toMatchObject({ admission: { proposalId } });

    // Another proposal admits the same party while this join is open: a join of its own (the rule is per proposal).
    const other = await as(dsp).post('/sessions', { ...body, admission: { proposalId: `${proposalId}-2` } }).expect(201);
    expect(other.body.id).not.toBe(session.id);
    // An ordinary join is unchanged: opened by the joining VSP itself, no admission.
    const own = await as(outsider).post('/sessions', { kind: 'join', daoId, joiners: [] }).expect(201);
    expect(own.body.admission).toBeNull();
  });
});
