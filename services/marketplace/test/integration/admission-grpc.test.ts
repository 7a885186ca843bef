import * as grpc from '@grpc/grpc-js';
import { grpcTestClient, testCertificateAuthority } from '@datawell/testing';
import { MARKETPLACE_GRPC } from '../../src/grpc/marketplace.grpc';
import { eventually, hex, MarketplaceHarness, onboard, onboardCommandOf, registerOrganisation, throwAwayOperatorMsp, type Member } from './harness';

/**
 * Manual admission over gRPC (ListAdmissions, AdmitParticipant, RejectParticipant) on the real
 * PostgreSQL and Kafka, with the fixtures of admission.test.ts (MARKETPLACE_ADMISSION=manual, a
 * throw-away operator CA as DATAWELL_OPERATOR_MSP_DIR): the same outcomes as the HTTP routes, and
 * their refusals as gRPC statuses with the stable code in trailing metadata `datawell-code`.
 */
jest.setTimeout(180_000);

const h = new MarketplaceHarness();
let operator: Awaited<ReturnType<typeof throwAwayOperatorMsp>> | undefined;
let client: ReturnType<typeof grpcTestClient> | undefined;
let adminToken: string;
let clientToken: string;
let participant: Member;

type Message = Record<string, unknown>;
const call = (rpc: string, message: Message, token?: string) => client!.call(rpc, message, token);
const list = async () => ((await call('ListAdmissions', {}, adminToken))['admissions'] as Message[]).filter((a) => String(a['msp_id']).includes(h.run));
const admit = (mspId: string, token = adminToken) => call('AdmitParticipant', { msp_id: mspId }, token);
const reject = (mspId: string, reason: string, token = adminToken) => call('RejectParticipant', { msp_id: mspId, reason }, token);
/** A refused call's status and stable code; an answer fails the test. */
const refusal = (answer: Promise<unknown>) =>
  answer.then(
    (value) => {
      throw new Error(`answered ${JSON.stringify(value)}`);
    },
    (error: grpc.ServiceError) => ({ code: error.code, datawellCode: error.metadata.get('datawell-code')[0] }),
  );
const register = (suffix: string, withIdentity: boolean) => registerOrganisation(h, suffix, withIdentity);

beforeAll(async () => {
  operator = await throwAwayOperatorMsp();
  await h.start({ env: { MARKETPLACE_ADMISSION: 'manual', DATAWELL_OPERATOR_MSP_DIR: operator.dir } });
  client = grpcTestClient(MARKETPLACE_GRPC.protoFile, MARKETPLACE_GRPC.service, h.grpcPort);
  [adminToken, clientToken] = await Promise.all([h.login(await operator.identity('admin.operator', 'admin')), h.login(await operator.identity('operator-client', 'client'))]);
  // A participant admitted over gRPC, then onboarded by the harness playing the bridge.
  participant = await onboard(h, 'DSP', async (mspId) => {
    expect(await admit(mspId)).toMatchObject({ msp_id: mspId, admission: 'admitted' });
  });
});

afterAll(async () => {
  // The schema outlives the run: leave none of ours waiting in the operator's queue.
  if (client && adminToken) for (const a of await list()) await reject(String(a['msp_id']), 'the test is over');
  client?.close();
  await h.stop();
  operator?.remove();
});

describe('manual admission over gRPC', () => {
  it('lists the waiting registrations oldest first; AdmitParticipant sends the onboarding command registration would have sent, once, and the organisation is onboarded', async () => {
    // Both from their own domains (a registration with a CSR is refused, 422 DOMAIN_REQUIRED).
    const first = await register('GWait', false);
    const second = await register('GOwnCa', false);
    expect(first.body).toMatchObject({ admission: 'awaiting' });
    const listed = await list();
    expect(listed).toMatchObject([
      { msp_id: first.mspId, role: 'VSP', name: 'Org GWait', own_ca: true },
      { msp_id: second.mspId, role: 'VSP', name: 'Org GOwnCa', own_ca: true },
    ]);
    expect(listed.map((a) => a['enrollment_id'] ?? '')).toEqual(['', '']);
    expect(Date.parse(String(listed[0]!['requested_at']))).toBeLessThanOrEqual(Date.parse(String(listed[1]!['requested_at'])));
    // The same data as the HTTP route, in the proto's names.
    const http = ((await h.http('GET', '/admin/admissions', undefined, adminToken)).body['admissions'] as Message[]).filter((a) => String(a['mspId']).includes(h.run));
    expect(listed.map((a) => [a['msp_id'], a['requested_at'], a['own_ca']])).toEqual(http.map((a) => [a['mspId'], a['requestedAt'], a['ownCa']]));

    expect(await admit(second.mspId)).toEqual({ msp_id: second.mspId, status: 'pending', admission: 'admitted', command_id: second.body['commandId'] });
    const command = await h.command(h.topics.networkCommands, onboardCommandOf(second.mspId));
    expect(command.key).toBe(second.mspId);
    expect(command.value.id).toBe(second.body['commandId']);
    expect(command.value.data).toEqual({ kind: 'onboard-participant', commandId: second.body['commandId'], mspId: second.mspId, role: 'VSP', name: 'Org GOwnCa', ownCa: true });
    expect(h.received.filter(onboardCommandOf(first.mspId))).toEqual([]);
    expect((await list()).map((a) => a['msp_id'])).toEqual([first.mspId]);

    // Once only: a second decision is HTTP's 409 NOT_AWAITING_ADMISSION, a conflict of state: FAILED_PRECONDITION.
    expect(await refusal(admit(second.mspId))).toEqual({ code: grpc.status.FAILED_PRECONDITION, datawellCode: 'NOT_AWAITING_ADMISSION' });
    expect(await refusal(reject(second.mspId, 'too late'))).toEqual({ code: grpc.status.FAILED_PRECONDITION, datawellCode: 'NOT_AWAITING_ADMISSION' });
    expect(await h.http('GET', `/participants/${second.mspId}`)).toMatchObject({ body: { status: 'pending', admission: 'admitted' } });

    // The first, admitted, goes on as any registration: onboarded from its own CA, active; the operator enrolls nothing for it.
    expect(await admit(first.mspId)).toMatchObject({ command_id: first.body['commandId'] });
    const firstCommand = await h.command(h.topics.networkCommands, onboardCommandOf(first.mspId));
    expect(firstCommand.value.data).toEqual({ kind: 'onboard-participant', commandId: first.body['commandId'], mspId: first.mspId, role: 'VSP', name: 'Org GWait', ownCa: true });
    const ca = await testCertificateAuthority(`ca.${first.mspId}`);
    await h.networkEvent({ kind: 'participant-onboarded', commandId: first.body['commandId'] as string, mspId: first.mspId, role: 'VSP', name: 'Org GWait', caCertPem: ca.caCertPem });
    await eventually('active', () => call('GetParticipant', { msp_id: first.mspId }), (p) => p['status'] === 'active');
    expect(h.received.filter((r) => r.value.data['kind'] === 'enroll-identity' && r.value.data['mspId'] === first.mspId)).toEqual([]);
    expect(h.received.filter(onboardCommandOf(first.mspId))).toHaveLength(1);
    expect(h.received.filter(onboardCommandOf(second.mspId))).toHaveLength(1);
  });

  it('RejectParticipant records the reason: nothing sent, the participant shows it, and a second decision is refused', async () => {
    const c = await register('GReject', false);
    const reason = `unknown company ${hex(2)}`;
    const rejected = await reject(c.mspId, reason);
    expect(rejected).toEqual({ msp_id: c.mspId, status: 'rejected', rejection: { reason, at_ms: expect.any(Number) } });
    const atMs = (rejected['rejection'] as { at_ms: number }).at_ms;
    expect(await h.http('GET', `/participants/${c.mspId}`)).toMatchObject({ status: 200, body: { status: 'rejected', rejection: { reason, atMs } } });
    expect(await call('GetParticipant', { msp_id: c.mspId })).toMatchObject({ status: 'rejected' });
    expect((await list()).map((a) => a['msp_id'])).not.toContain(c.mspId);
    expect(await refusal(admit(c.mspId))).toEqual({ code: grpc.status.FAILED_PRECONDITION, datawellCode: 'NOT_AWAITING_ADMISSION' });
    expect(await refusal(reject(c.mspId, 'again'))).toEqual({ code: grpc.status.FAILED_PRECONDITION, datawellCode: 'NOT_AWAITING_ADMISSION' });
    expect(h.received.filter(onboardCommandOf(c.mspId))).toEqual([]);
  });

  it('refuses bad input as HTTP does: INVALID_ARGUMENT (INVALID_REQUEST), NOT_FOUND (PARTICIPANT_NOT_FOUND), FAILED_PRECONDITION for an active participant', async () => {
    const d = await register('GBad', false);
    const invalid = { code: grpc.status.INVALID_ARGUMENT, datawellCode: 'INVALID_REQUEST' };
    for (const reason of ['', '   ', 'x'.repeat(501)]) expect([reason.length, await refusal(reject(d.mspId, reason))]).toEqual([reason.length, invalid]);
    expect(await refusal(call('RejectParticipant', { msp_id: d.mspId }, adminToken))).toEqual(invalid);
    expect(await refusal(admit('not-an-msp'))).toEqual(invalid);
    expect(await refusal(admit(''))).toEqual(invalid);
    expect(await refusal(admit(`T${h.run}NobodyMSP`))).toEqual({ code: grpc.status.NOT_FOUND, datawellCode: 'PARTICIPANT_NOT_FOUND' });
    expect(await refusal(reject(`T${h.run}NobodyMSP`, 'x'))).toEqual({ code: grpc.status.NOT_FOUND, datawellCode: 'PARTICIPANT_NOT_FOUND' });
    expect(await refusal(admit(participant.mspId))).toEqual({ code: grpc.status.FAILED_PRECONDITION, datawellCode: 'NOT_AWAITING_ADMISSION' });
    expect((await list()).map((a) => a['msp_id'])).toContain(d.mspId);
    expect(await reject(d.mspId, 'y'.repeat(500))).toMatchObject({ status: 'rejected' });
  });

  it('answers UNAUTHENTICATED without an identity and PERMISSION_DENIED to a participant and to an operator identity that is not an administrator, changing nothing', async () => {
    const e = await register('GAuth', false);
    const rpcs: Array<[string, Message]> = [
      ['ListAdmissions', {}],
      ['AdmitParticipant', { msp_id: e.mspId }],
      ['RejectParticipant', { msp_id: e.mspId, reason: 'not yours to decide' }],
    ];
    for (const [rpc, message] of rpcs) {
      expect([rpc, await refusal(call(rpc, message))]).toEqual([rpc, { code: grpc.status.UNAUTHENTICATED, datawellCode: 'UNAUTHENTICATED' }]);
      expect([rpc, await refusal(call(rpc, message, 'forged.token'))]).toEqual([rpc, { code: grpc.status.UNAUTHENTICATED, datawellCode: 'UNAUTHENTICATED' }]);
      expect([rpc, await refusal(call(rpc, message, participant.token))]).toEqual([rpc, { code: grpc.status.PERMISSION_DENIED, datawellCode: 'FORBIDDEN' }]);
      expect([rpc, await refusal(call(rpc, message, clientToken))]).toEqual([rpc, { code: grpc.status.PERMISSION_DENIED, datawellCode: 'FORBIDDEN' }]);
    }
    expect(await h.http('GET', `/participants/${e.mspId}`)).toMatchObject({ body: { status: 'pending', admission: 'awaiting' } });
    expect((await list()).map((a) => a['msp_id'])).toContain(e.mspId);
    expect(h.received.filter(onboardCommandOf(e.mspId))).toEqual([]);
  });
});
