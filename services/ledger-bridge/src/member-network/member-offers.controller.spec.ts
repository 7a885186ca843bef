import 'reflect-metadata';
import type { Principal } from '@datawell/auth';
import { descriptionDigest } from '@datawell/contracts';
import type { MemberLedger } from '../admin/member-dao';
import { MemberOffersController } from './member-offers.controller';

const principal = (mspId: string): Principal => ({ mspId, enrollmentId: 'alice', role: 'DSP', certificateFingerprint: 'ab' });

/** A chaincode refusal as the gateway reports it: the code first in the details. */
const refused = (text: string) => Object.assign(new Error('10 ABORTED: failed to endorse transaction'), { details: [{ message: `chaincode response 500, ${text}` }] });

const dataOffer = {
  kind: 'data',
  title: 'City air quality',
  description: 'Hourly PM2.5 and NO2 readings from 40 street sensors.',
  tags: ['Air', 'iot', 'air'],
  schema: { pm25: 'int', no2: 'int' },
  updateFrequency: 'hourly',
  source: { type: 'iot-stream', topic: 'dsp.air.readings' },
};

/**
 * A member ledger holding the marketplace's participants and offers as the chaincode would after
 * each submit (enough to answer GetParticipant and GetOffer); `submit` decides what a submission meets.
 */
function controller(options: { role?: 'DSP' | 'VSP'; status?: 'active' | 'suspended'; registered?: boolean; submit?: MemberLedger['submit'] } = {}) {
  const submitted: Array<{ channel: string; chaincode: string; fn: string; args: readonly string[] }> = [];
  const offers = new Map<string, Record<string, unknown>>();
  const ledger: MemberLedger = {
    mspId: 'AcmeMSP',
    evaluate: async (mspId, channel, _cc, fn, args) => {
      expect([mspId, channel]).toEqual(['AcmeMSP', 'marketplace']);
      if (fn === 'GetParticipant') {
        if (options.registered === false) throw refused(`NOT_FOUND: ${args[0]} is not a registered participant`);
        return JSON.stringify({ mspId: args[0], role: options.role ?? 'DSP', status: options.status ?? 'active' });
      }
      const offer = offers.get(args[0]!);
      if (!offer) throw refused(`NOT_FOUND: no offer ${args[0]}`);
      return JSON.stringify(offer);
    },
    submit: async (channel, chaincode, fn, args) => {
      submitted.push({ channel, chaincode, fn, args });
      const answer = await (options.submit ?? (async () => ({ txId: `tx-${submitted.length}` })))(channel, chaincode, fn, args);
      if (fn === 'PostOffer') {
        const o = JSON.parse(args[0]!) as Record<string, unknown>;
        offers.set(o['offerId'] as string, { ...o, owner: 'AcmeMSP', status: 'open', revision: 1, createdAtMs: 1, updatedAtMs: 1 });
      } else if (fn === 'UpdateOffer') {
        const u = JSON.parse(args[0]!) as Record<string, unknown>;
        const o = offers.get(u['offerId'] as string)!;
        offers.set(u['offerId'] as string, { ...o, ...u, revision: (o['revision'] as number) + 1, updatedAtMs: 2 });
      } else if (fn === 'WithdrawOffer') {
        const o = offers.get(args[0]!)!;
        offers.set(args[0]!, { ...o, status: 'withdrawn', revision: (o['revision'] as number) + 1 });
      }
      return answer;
    },
    channels: async () => ['marketplace'],
  };
  return { submitted, offers, c: new MemberOffersController(ledger) };
}

describe("offers through a member's own bridge", () => {
  it("posts PostOffer on the marketplace channel as the member, with the marketplace's terms and only the description's digest, and answers the transaction and the offer as the chaincode holds it", async () => {
    const { submitted, c } = controller();
    const written = await c.post(principal('AcmeMSP'), dataOffer);
    expect(submitted).toHaveLength(1);
    expect(submitted[0]).toMatchObject({ channel: 'marketplace', chaincode: 'marketplace', fn: 'PostOffer' });
    const argument = JSON.parse(submitted[0]!.args[0]!) as Record<string, unknown>;
    expect(argument).toEqual({
      offerId: expect.stringMatching(/^off-[0-9a-f-]{36}$/),
      kind: 'data',
      title: 'City air quality',
      terms: { tags: ['air', 'iot'], schema: dataOffer.schema, updateFrequency: 'hourly', source: dataOffer.source },
      descriptionDigest: descriptionDigest(dataOffer.description),
    });
    expect(submitted[0]!.args[0]).not.toContain('street sensors');
    expect(written).toEqual({ txId: 'tx-1', offer: { ...argument, owner: 'AcmeMSP', status: 'open', revision: 1, createdAtMs: 1, updatedAtMs: 1 } });
  });

  it('edits an open offer of its own: only what changed, terms from the ledger’s offer, the new description as its digest', async () => {
    const { submitted, c } = controller();
    const { offer } = await c.post(principal('AcmeMSP'), dataOffer);
    const edited = await c.update(principal('AcmeMSP'), offer.offerId, { updateFrequency: 'daily', description: 'now daily' });
    expect(submitted[1]).toMatchObject({ channel: 'marketplace', fn: 'UpdateOffer' });
    expect(JSON.parse(submitted[1]!.args[0]!)).toEqual({ offerId: offer.offerId, terms: { ...offer.terms, updateFrequency: 'daily' }, descriptionDigest: descriptionDigest('now daily') });
    expect(edited).toMatchObject({ txId: 'tx-2', offer: { offerId: offer.offerId, revision: 2, terms: { updateFrequency: 'daily' }, descriptionDigest: descriptionDigest('now daily') } });
    await c.update(principal('AcmeMSP'), offer.offerId, { title: 'Air' });
    expect(JSON.parse(submitted[2]!.args[0]!)).toEqual({ offerId: offer.offerId, title: 'Air' });
  });

  it('withdraws an open offer of its own and answers it withdrawn; a second withdrawal or an edit after it is OFFER_NOT_OPEN before the ledger is asked', async () => {
    const { submitted, c } = controller();
    const { offer } = await c.post(principal('AcmeMSP'), dataOffer);
    const withdrawn = await c.withdraw(principal('AcmeMSP'), offer.offerId);
    expect(submitted[1]).toEqual({ channel: 'marketplace', chaincode: 'marketplace', fn: 'WithdrawOffer', args: [offer.offerId] });
    expect(withdrawn).toMatchObject({ txId: 'tx-2', offer: { offerId: offer.offerId, status: 'withdrawn', revision: 2 } });
    await expect(c.withdraw(principal('AcmeMSP'), offer.offerId)).rejects.toMatchObject({ code: 'OFFER_NOT_OPEN', kind: 'conflict' });
    await expect(c.update(principal('AcmeMSP'), offer.offerId, { title: 'Air' })).rejects.toMatchObject({ code: 'OFFER_NOT_OPEN' });
    expect(submitted).toHaveLength(2);
  });

  it("refuses another organisation's identity, the marketplace's invalid bodies, the other role's kind, a suspended or unregistered member, before the ledger is asked to write", async () => {
    const { submitted, offers, c } = controller();
    await expect(c.post(principal('OtherMSP'), dataOffer)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(c.update(principal('OtherMSP'), 'off-1', { title: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(c.withdraw(principal('OtherMSP'), 'off-1')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(c.post(principal('AcmeMSP'), { ...dataOffer, tags: ['air quality'] })).rejects.toMatchObject({ code: 'INVALID_REQUEST', kind: 'invalid', message: expect.stringContaining('body.tags.0: must be 1-40 letters') });
    await expect(c.post(principal('AcmeMSP'), { ...dataOffer, schema: { scale: 0.5 } })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(c.post(principal('AcmeMSP'), { ...dataOffer, price: 3 })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(c.post(principal('AcmeMSP'), undefined)).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(c.post(principal('AcmeMSP'), { kind: 'value', title: 'T', description: 'D', service: 's', computations: ['mean'], infrastructure: {} })).rejects.toMatchObject({ code: 'OFFER_KIND_NOT_ALLOWED', kind: 'forbidden' });
    await expect(controller({ status: 'suspended' }).c.post(principal('AcmeMSP'), dataOffer)).rejects.toMatchObject({ code: 'PARTICIPANT_SUSPENDED', kind: 'forbidden' });
    await expect(controller({ registered: false }).c.post(principal('AcmeMSP'), dataOffer)).rejects.toMatchObject({ code: 'NOT_A_PARTICIPANT' });
    await expect(c.update(principal('AcmeMSP'), 'off 1', { title: 'x' })).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining('offerId') });
    await expect(c.update(principal('AcmeMSP'), 'off-missing', { title: 'x' })).rejects.toMatchObject({ code: 'OFFER_NOT_FOUND', kind: 'notFound' });
    await expect(c.withdraw(principal('AcmeMSP'), 'off-missing')).rejects.toMatchObject({ code: 'OFFER_NOT_FOUND' });
    offers.set('off-theirs', { offerId: 'off-theirs', owner: 'OtherMSP', kind: 'data', title: 'T', terms: { tags: [] }, descriptionDigest: 'd', status: 'open', revision: 1 });
    await expect(c.withdraw(principal('AcmeMSP'), 'off-theirs')).rejects.toMatchObject({ code: 'NOT_OFFER_OWNER', kind: 'forbidden' });
    offers.set('off-mine', { offerId: 'off-mine', owner: 'AcmeMSP', kind: 'data', title: 'T', terms: { tags: [] }, descriptionDigest: 'd', status: 'open', revision: 1 });
    await expect(c.update(principal('AcmeMSP'), 'off-mine', {})).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: 'body: must change at least one field' });
    await expect(c.update(principal('AcmeMSP'), 'off-mine', { service: 'x' })).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: 'body.service: a data offer has no service' });
    expect(submitted).toEqual([]);
  });

  it("maps the chaincode's own refusals to stable 4xx codes, never a bare error", async () => {
    const answers = [
      refused('FORBIDDEN: AcmeMSP is suspended and may not post offers'),
      refused('FORBIDDEN: AcmeMSP is not a registered participant and may not post offers'),
      refused('CONFLICT: offer off-1 exists already'),
      refused('CONFLICT: offer off-mine is withdrawn'),
      refused('FORBIDDEN: AcmeMSP does not own offer off-mine and may not withdraw it'),
      refused('NOT_FOUND: no offer off-mine'),
      refused('FORBIDDEN: AcmeMSP is suspended and may not update offers'),
    ];
    const { offers, c } = controller({ submit: async () => Promise.reject(answers.shift()) });
    await expect(c.post(principal('AcmeMSP'), dataOffer)).rejects.toMatchObject({ code: 'PARTICIPANT_SUSPENDED', status: 403 });
    await expect(c.post(principal('AcmeMSP'), dataOffer)).rejects.toMatchObject({ code: 'NOT_A_PARTICIPANT' });
    await expect(c.post(principal('AcmeMSP'), dataOffer)).rejects.toMatchObject({ code: 'OFFER_EXISTS', status: 409 });
    offers.set('off-mine', { offerId: 'off-mine', owner: 'AcmeMSP', kind: 'data', title: 'T', terms: { tags: [] }, descriptionDigest: 'd', status: 'open', revision: 1 });
    await expect(c.withdraw(principal('AcmeMSP'), 'off-mine')).rejects.toMatchObject({ code: 'OFFER_NOT_OPEN', status: 409 });
    await expect(c.withdraw(principal('AcmeMSP'), 'off-mine')).rejects.toMatchObject({ code: 'NOT_OFFER_OWNER', status: 403 });
    await expect(c.withdraw(principal('AcmeMSP'), 'off-mine')).rejects.toMatchObject({ code: 'OFFER_NOT_FOUND', status: 404 });
    await expect(c.update(principal('AcmeMSP'), 'off-mine', { title: 'x' })).rejects.toMatchObject({ code: 'PARTICIPANT_SUSPENDED', status: 403 });
  });
});
