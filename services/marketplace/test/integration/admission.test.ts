import { testCertificateAuthority } from '@datawell/testing';
import { eventually, hex, MarketplaceHarness, onboard, onboardCommandOf, registerOrganisation, throwAwayOperatorMsp, type Member } from './harness';

/**
 * Manual admission on the real PostgreSQL and Kafka (MARKETPLACE_ADMISSION=manual): a registration
 * waits and sends nothing, the operator's administrator lists it, admits it (the onboarding command
 * appears on the network commands topic, as the harness reads it playing the bridge) or rejects it
 * with a reason; the routes refuse everyone else. The operator's CA is a throw-away one, named to the
 * service as its public MSP folder (DATAWELL_OPERATOR_MSP_DIR), issuing an OU=admin administrator
 * and an OU=client identity.
 */
jest.setTimeout(180_000);

const h = new MarketplaceHarness();
let operator: Awaited<ReturnType<typeof throwAwayOperatorMsp>> | undefined;
let adminToken: string;
let clientToken: string;
let participant: Member;

interface Admission {
  mspId: string;
  role: string;
  name: string;
  requestedAt: string;
  ownCa: boolean;
  enrollmentId?: string;
}

const ours = (r: { body: Record<string, unknown> }) => (r.body['admissions'] as Admission[]).filter((a) => a.mspId.includes(h.run));
const admit = (mspId: string, token = adminToken) => h.http('POST', `/admin/admissions/${mspId}/admit`, undefined, token);
const reject = (mspId: string, body: unknown, token = adminToken) => h.http('POST', `/admin/admissions/${mspId}/reject`, body, token);

const register = (suffix: string, withIdentity: boolean) => registerOrganisation(h, suffix, withIdentity);

beforeAll(async () => {
  operator = await throwAwayOperatorMsp();
  await h.start({ env: { MARKETPLACE_ADMISSION: 'manual', DATAWELL_OPERATOR_MSP_DIR: operator.dir } });
  [adminToken, clientToken] = await Promise.all([h.login(await operator.identity('admin.operator', 'admin')), h.login(await operator.identity('operator-client', 'client'))]);
  // A participant, admitted by the administrator before the harness plays the bridge's onboarding.
  participant = await onboard(h, 'DSP', async (mspId) => {
    expect(await admit(mspId)).toMatchObject({ status: 202, body: { admission: 'admitted' } });
  });
});

afterAll(async () => {
  // The schema outlives the run: leave none of ours waiting in the operator's queue.
  if (adminToken) for (const a of ours(await h.http('GET', '/admin/admissions', undefined, adminToken))) await reject(a.mspId, { reason: 'the test is over' });
  await h.stop();
  operator?.remove();
});

describe('manual admission', () => {
  it('keeps a registration waiting and lists it oldest first; admitting sends the onboarding command registration would have sent, once', async () => {
    // Both from their own domains (a registration with a CSR is refused, 422 DOMAIN_REQUIRED).
    const first = await register('Wait', false);
    const second = await register('OwnCa', false);
    expect(first).toMatchObject({ status: 202, body: { mspId: first.mspId, status: 'pending', admission: 'awaiting', commandId: expect.stringMatching(`^marketplace:onboard:${first.mspId}:`) } });
    expect(second).toMatchObject({ status: 202, body: { admission: 'awaiting' } });
    expect(await h.http('GET', `/participants/${first.mspId}`)).toMatchObject({ status: 200, body: { status: 'pending', admission: 'awaiting' } });
    const listed = ours(await h.http('GET', '/admin/admissions', undefined, adminToken));
    expect(listed).toEqual([
      { mspId: first.mspId, role: 'VSP', name: 'Org Wait', requestedAt: expect.any(String), ownCa: true },
      { mspId: second.mspId, role: 'VSP', name: 'Org OwnCa', requestedAt: expect.any(String), ownCa: true },
    ]);
    expect(Date.parse(listed[0]!.requestedAt)).toBeLessThanOrEqual(Date.parse(listed[1]!.requestedAt));

    // The second first: once its command is on the topic, the relay (in order) would have sent the first's already.
    const admitted = await admit(second.mspId);
    expect(admitted).toEqual({ status: 202, body: { mspId: second.mspId, status: 'pending', admission: 'admitted', commandId: second.body['commandId'] } });
    const command = await h.command(h.topics.networkCommands, onboardCommandOf(second.mspId));
    expect(command.key).toBe(second.mspId);
    expect(command.value.id).toBe(second.body['commandId']);
    expect(command.value.data).toEqual({ kind: 'onboard-participant', commandId: second.body['commandId'], mspId: second.mspId, role: 'VSP', name: 'Org OwnCa', ownCa: true });
    expect(h.received.filter(onboardCommandOf(first.mspId))).toEqual([]);
    expect(ours(await h.http('GET', '/admin/admissions', undefined, adminToken)).map((a) => a.mspId)).toEqual([first.mspId]);

    expect(await admit(second.mspId)).toMatchObject({ status: 409, body: { code: 'NOT_AWAITING_ADMISSION' } });
    expect(await reject(second.mspId, { reason: 'too late' })).toMatchObject({ status: 409, body: { code: 'NOT_AWAITING_ADMISSION' } });
    expect(await h.http('GET', `/participants/${second.mspId}`)).toMatchObject({ body: { status: 'pending', admission: 'admitted' } });

    // The first, admitted, goes on as any registration: onboarded from its own CA, active; the operator enrolls nothing for it.
    expect(await admit(first.mspId)).toMatchObject({ status: 202, body: { commandId: first.body['commandId'] } });
    const firstCommand = await h.command(h.topics.networkCommands, onboardCommandOf(first.mspId));
    expect(firstCommand.value.data).toEqual({ kind: 'onboard-participant', commandId: first.body['commandId'], mspId: first.mspId, role: 'VSP', name: 'Org Wait', ownCa: true });
    const ca = await testCertificateAuthority(`ca.${first.mspId}`);
    await h.networkEvent({ kind: 'participant-onboarded', commandId: first.body['commandId'] as string, mspId: first.mspId, role: 'VSP', name: 'Org Wait', caCertPem: ca.caCertPem });
    await eventually('active', () => h.http('GET', `/participants/${first.mspId}`), (r) => r.body['status'] === 'active');
    expect(h.received.filter((r) => r.value.data['kind'] === 'enroll-identity' && r.value.data['mspId'] === first.mspId)).toEqual([]);
    expect(h.received.filter(onboardCommandOf(first.mspId))).toHaveLength(1);
    expect(h.received.filter(onboardCommandOf(second.mspId))).toHaveLength(1);
  });

  it('rejects with a reason: nothing sent, the participant shows it, and the MSP id may register again', async () => {
    const c = await register('Reject', false);
    const reason = `unknown company ${hex(2)}`;
    const rejected = await reject(c.mspId, { reason });
    expect(rejected).toEqual({ status: 200, body: { mspId: c.mspId, status: 'rejected', rejection: { reason, atMs: expect.any(Number) } } });
    expect(await h.http('GET', `/participants/${c.mspId}`)).toMatchObject({ status: 200, body: { status: 'rejected', rejection: { reason, atMs: rejected.body['rejection'] && (rejected.body['rejection'] as { atMs: number }).atMs } } });
    expect(ours(await h.http('GET', '/admin/admissions', undefined, adminToken)).map((a) => a.mspId)).not.toContain(c.mspId);
    expect(await admit(c.mspId)).toMatchObject({ status: 409, body: { code: 'NOT_AWAITING_ADMISSION' } });
    expect(await reject(c.mspId, { reason: 'again' })).toMatchObject({ status: 409, body: { code: 'NOT_AWAITING_ADMISSION' } });

    const again = await register('Reject', false);
    expect(again).toMatchObject({ status: 202, body: { status: 'pending', admission: 'awaiting' } });
    expect(again.body['commandId']).not.toBe(c.body['commandId']);
    const view = await h.http('GET', `/participants/${c.mspId}`);
    expect(view.body).toMatchObject({ status: 'pending', admission: 'awaiting' });
    expect(view.body['rejection']).toBeUndefined();
    expect(ours(await h.http('GET', '/admin/admissions', undefined, adminToken)).map((a) => a.mspId)).toContain(c.mspId);
    // Admitted now, its command is the new registration's: the rejected one's never went out.
    await admit(c.mspId);
    const sent = await h.command(h.topics.networkCommands, onboardCommandOf(c.mspId));
    expect(sent.value.data['commandId']).toBe(again.body['commandId']);
    expect(h.received.filter((r) => r.value.data['commandId'] === c.body['commandId'])).toEqual([]);
  });

  it('refuses bad input with stable codes: 400 INVALID_REQUEST, 404 PARTICIPANT_NOT_FOUND, 409 for a registration not waiting', async () => {
    const d = await register('Bad', false);
    for (const body of [{}, { reason: '' }, { reason: '   ' }, { reason: 'x'.repeat(501) }, { reason: 'ok', other: true }]) {
      expect([body, await reject(d.mspId, body)]).toMatchObject([body, { status: 400, body: { code: 'INVALID_REQUEST' } }]);
    }
    expect(await admit(`T${h.run}NobodyMSP`)).toMatchObject({ status: 404, body: { code: 'PARTICIPANT_NOT_FOUND' } });
    expect(await reject(`T${h.run}NobodyMSP`, { reason: 'x' })).toMatchObject({ status: 404, body: { code: 'PARTICIPANT_NOT_FOUND' } });
    expect(await admit('not-an-msp')).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    expect(await admit(participant.mspId)).toMatchObject({ status: 409, body: { code: 'NOT_AWAITING_ADMISSION' } });
    expect(ours(await h.http('GET', '/admin/admissions', undefined, adminToken)).map((a) => a.mspId)).toContain(d.mspId);
    expect((await reject(d.mspId, { reason: 'y'.repeat(500) })).status).toBe(200);
  });

  it("answers 401 without a token and 403 to a participant and to an operator identity that is not an administrator, changing nothing", async () => {
    const e = await register('Auth', false);
    const routes: Array<[string, string, unknown]> = [
      ['GET', '/admin/admissions', undefined],
      ['POST', `/admin/admissions/${e.mspId}/admit`, undefined],
      ['POST', `/admin/admissions/${e.mspId}/reject`, { reason: 'not yours to decide' }],
    ];
    for (const [method, path, body] of routes) {
      expect([path, (await h.http(method, path, body)).status]).toEqual([path, 401]);
      expect([path, await h.http(method, path, body, participant.token)]).toMatchObject([path, { status: 403, body: { code: 'FORBIDDEN' } }]);
      expect([path, await h.http(method, path, body, clientToken)]).toMatchObject([path, { status: 403, body: { code: 'FORBIDDEN' } }]);
    }
    expect(await h.http('GET', `/participants/${e.mspId}`)).toMatchObject({ body: { status: 'pending', admission: 'awaiting' } });
    expect(ours(await h.http('GET', '/admin/admissions', undefined, adminToken)).map((a) => a.mspId)).toContain(e.mspId);
    expect(h.received.filter(onboardCommandOf(e.mspId))).toEqual([]);
  });
});
