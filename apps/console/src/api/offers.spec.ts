import { ApiError } from './client';
import { postOffer, updateOffer, withdrawOffer } from './offers';

/** The two services' clients as the page's calls reach them: each call recorded, each answer given by the test. */
type Answer = { data?: unknown; error?: unknown; response: { status: number; ok: boolean; statusText: string } };
const calls: Array<{ service: 'marketplace' | 'member'; method: string; path: string; init: unknown }> = [];
const answers: Answer[] = [];
const ok = (data: unknown = {}): Answer => ({ data, response: { status: 200, ok: true, statusText: 'OK' } });
const refused = (status: number, code: string): Answer => ({ error: { code, message: code }, response: { status, ok: false, statusText: code } });

jest.mock('./client', () => {
  const actual = jest.requireActual<typeof import('./client')>('./client');
  const client = (service: 'marketplace' | 'member') =>
    Object.fromEntries(
      ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((method) => [
        method,
        async (path: string, init: unknown) => {
          calls.push({ service, method, path, init });
          const answer = answers.shift();
          if (!answer) throw new Error(`no answer for ${service} ${method} ${path}`);
          return answer;
        },
      ]),
    );
  return { ...actual, marketplace: client('marketplace'), member: client('member') };
});

beforeEach(() => {
  calls.length = 0;
  answers.length = 0;
});
afterEach(() => jest.useRealTimers());

const where = () => calls.map((c) => `${c.service} ${c.method} ${c.path}`);
const params = { params: { path: { offerId: 'off-1' } } };

describe('changing an offer', () => {
  it('edits and withdraws through the marketplace for an organisation the operator’s tooling holds', async () => {
    answers.push(ok({ offerId: 'off-1', commandId: 'c1' }), ok({ offerId: 'off-1', commandId: 'c2' }));
    await updateOffer('off-1', { title: 'Renamed' }, false);
    await withdrawOffer('off-1', false);
    expect(where()).toEqual(['marketplace PATCH /offers/{offerId}', 'marketplace DELETE /offers/{offerId}']);
    expect(calls[0]!.init).toEqual({ ...params, body: { title: 'Renamed' } });
  });

  it('edits and withdraws through its own bridge for an organisation in its own trust domain, never the marketplace’s write routes', async () => {
    answers.push(ok({ transactionId: 't1', offer: { offerId: 'off-1' } }), ok({ transactionId: 't2', offer: { offerId: 'off-1' } }));
    await updateOffer('off-1', { title: 'Renamed' }, true);
    await withdrawOffer('off-1', true);
    expect(where()).toEqual(['member PATCH /offers/{offerId}', 'member DELETE /offers/{offerId}']);
    expect(calls[1]!.init).toEqual(params);
  });

  it('gives the catalogue a new description once the marketplace holds the new revision’s digest (retrying while the event is on its way)', async () => {
    jest.useFakeTimers();
    answers.push(ok({ transactionId: 't1', offer: { offerId: 'off-1' } }), refused(409, 'DESCRIPTION_DIGEST_MISMATCH'), refused(404, 'OFFER_NOT_FOUND'), ok({ offerId: 'off-1' }));
    const done = updateOffer('off-1', { description: 'New text' }, true);
    await jest.advanceTimersByTimeAsync(2_500);
    await done;
    expect(where()).toEqual(['member PATCH /offers/{offerId}', 'marketplace PUT /offers/{offerId}/description', 'marketplace PUT /offers/{offerId}/description', 'marketplace PUT /offers/{offerId}/description']);
    expect(calls[0]!.init).toEqual({ ...params, body: { description: 'New text' } });
    expect(calls[3]!.init).toEqual({ ...params, body: { description: 'New text' } });
  });

  it('stops at a refusal that is not the event being on its way, and at the bridge’s refusal', async () => {
    answers.push(ok({ transactionId: 't1', offer: { offerId: 'off-1' } }), refused(403, 'FORBIDDEN'));
    await expect(updateOffer('off-1', { description: 'New text' }, true)).rejects.toMatchObject({ status: 403, code: 'FORBIDDEN' });
    answers.push(refused(409, 'OFFER_NOT_OPEN'));
    await expect(withdrawOffer('off-1', true)).rejects.toBeInstanceOf(ApiError);
    expect(where()).toEqual(['member PATCH /offers/{offerId}', 'marketplace PUT /offers/{offerId}/description', 'member DELETE /offers/{offerId}']);
  });

  it('posts through its own bridge as before, then describes it', async () => {
    answers.push(ok({ transactionId: 't1', offer: { offerId: 'off-2' } }), ok({ offerId: 'off-2' }));
    const offer = { kind: 'value' as const, title: 'T', description: 'D', service: 's', computations: ['mean'], infrastructure: {} };
    await expect(postOffer(offer, true)).resolves.toEqual({ offerId: 'off-2' });
    expect(where()).toEqual(['member POST /offers', 'marketplace PUT /offers/{offerId}/description']);
  });
});
