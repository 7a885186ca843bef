import 'reflect-metadata';
import { Metadata, status } from '@grpc/grpc-js';
import { admit, unauthenticated, type Audience, type Authenticator, type Principal } from '@datawell/auth';
import { errorMetadata, grpcStatusOf, loadGrpcService } from '@datawell/service-platform';
import type { CommandsService } from '../commands/commands.service';
import type { DaosService } from '../daos/daos.service';
import { invalidRequest, MarketplaceError } from '../errors';
import type { OffersService } from '../offers/offers.service';
import type { AdmissionView, ParticipantsService } from '../participants/participants.service';
import { MARKETPLACE_GRPC, MarketplaceGrpc } from './marketplace.grpc';

const operatorAdmin: Principal = { mspId: 'OperatorMSP', enrollmentId: 'admin.operator', role: 'OPERATOR', admin: true, certificateFingerprint: 'aa' };
const operatorClient: Principal = { mspId: 'OperatorMSP', enrollmentId: 'operator-client', role: 'OPERATOR', certificateFingerprint: 'bb' };
const participantAdmin: Principal = { mspId: 'AcmeMSP', enrollmentId: 'admin', role: 'DSP', admin: true, certificateFingerprint: 'cc' };
const TOKENS: Readonly<Record<string, Principal>> = { admin: operatorAdmin, client: operatorClient, participant: participantAdmin };

/** Bearer tokens named after their principal; the audience is judged by libs/auth's own `admit`, as the HTTP guard does. */
const auth = {
  authenticateCall: async (metadata: Metadata, _peer?: string, audience: Audience = 'participant') => {
    const token = /^Bearer (\w+)$/.exec(String(metadata.get('authorization')[0] ?? ''))?.[1];
    const principal = token === undefined ? undefined : TOKENS[token];
    if (!principal) throw unauthenticated('missing bearer token');
    return admit(principal, audience);
  },
} as unknown as Authenticator;

const as = (token?: string) => {
  const metadata = new Metadata();
  if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
  return metadata;
};

const WAITING: AdmissionView[] = [
  { mspId: 'WaitMSP', role: 'DSP', name: 'Org Wait', requestedAt: '2026-01-01T00:00:00.000Z', ownCa: false, enrollmentId: 'first' },
  { mspId: 'OwnCaMSP', role: 'VSP', name: 'Org OwnCa', requestedAt: '2026-01-01T00:00:01.000Z', ownCa: true },
];

/** The handlers over a stub of ParticipantsService that records its calls and answers as the real one, or throws `refusal`. */
function handlers(refusal?: Error) {
  const calls: unknown[][] = [];
  const participants = {
    admissions: async () => {
      calls.push(['admissions']);
      return { admissions: WAITING };
    },
    admit: async (principal: Principal, mspId: string) => {
      calls.push(['admit', principal.enrollmentId, mspId]);
      if (refusal) throw refusal;
      return { mspId, status: 'pending', admission: 'admitted', commandId: `marketplace:onboard:${mspId}:1` };
    },
    reject: async (principal: Principal, mspId: string, body: unknown) => {
      calls.push(['reject', principal.enrollmentId, mspId, body]);
      if (refusal) throw refusal;
      return { mspId, status: 'rejected', rejection: { reason: (body as { reason: string }).reason, atMs: 1_767_225_600_123 } };
    },
  } as unknown as ParticipantsService;
  const grpc = new MarketplaceGrpc(participants, {} as OffersService, {} as DaosService, {} as CommandsService, auth);
  return { calls, grpc };
}

/** The answer as a client decodes it off the wire (the proto's types and field names). */
function wire(rpc: string, answer: unknown): unknown {
  const method = loadGrpcService(MARKETPLACE_GRPC.protoFile, MARKETPLACE_GRPC.service)[rpc]!;
  return method.responseDeserialize(method.responseSerialize(answer));
}

/** The refusal as the platform's server answers it: status and trailing `datawell-code`. */
async function refusalOf(call: Promise<unknown>): Promise<[number, unknown]> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error === undefined) throw new Error('answered instead of refusing');
  return [grpcStatusOf(error), errorMetadata(error).get('datawell-code')[0]];
}

describe('the marketplace gRPC manual admission', () => {
  it('lists the waiting registrations for an operator administrator, in the proto’s names, enrollment_id only when there is one', async () => {
    const { calls, grpc } = handlers();
    const answer = await grpc.ListAdmissions({}, as('admin'));
    expect(calls).toEqual([['admissions']]);
    const decoded = wire('ListAdmissions', answer) as { admissions: Array<Record<string, unknown>> };
    expect(decoded.admissions).toMatchObject([
      { msp_id: 'WaitMSP', role: 'DSP', name: 'Org Wait', requested_at: '2026-01-01T00:00:00.000Z', own_ca: false, enrollment_id: 'first' },
      { msp_id: 'OwnCaMSP', role: 'VSP', name: 'Org OwnCa', requested_at: '2026-01-01T00:00:01.000Z', own_ca: true },
    ]);
    // proto3 optional: unset, not an empty string.
    expect(decoded.admissions[1]).not.toHaveProperty('enrollment_id');
  });

  it('admits and rejects through the service with the caller and the request’s fields', async () => {
    const { calls, grpc } = handlers();
    expect(wire('AdmitParticipant', await grpc.AdmitParticipant({ msp_id: 'WaitMSP' }, as('admin')))).toEqual({ msp_id: 'WaitMSP', status: 'pending', admission: 'admitted', command_id: 'marketplace:onboard:WaitMSP:1' });
    const rejected = wire('RejectParticipant', await grpc.RejectParticipant({ msp_id: 'OwnCaMSP', reason: 'unknown company' }, as('admin'))) as Record<string, unknown>;
    expect(rejected).toEqual({ msp_id: 'OwnCaMSP', status: 'rejected', rejection: { reason: 'unknown company', at_ms: expect.anything() } });
    expect(Number((rejected['rejection'] as { at_ms: unknown }).at_ms)).toBe(1_767_225_600_123);
    // Absent fields reach the service as empty strings, which its schemas refuse (INVALID_REQUEST) as HTTP's.
    await grpc.RejectParticipant({}, as('admin')).catch(() => undefined);
    expect(calls).toEqual([
      ['admit', 'admin.operator', 'WaitMSP'],
      ['reject', 'admin.operator', 'OwnCaMSP', { reason: 'unknown company' }],
      ['reject', 'admin.operator', '', { reason: '' }],
    ]);
  });

  it('refuses as @OperatorAdmin does: UNAUTHENTICATED without an identity, PERMISSION_DENIED to a participant or a non-administrator of the operator, never reaching the service', async () => {
    const { calls, grpc } = handlers();
    const rpcs = [(m: Metadata) => grpc.ListAdmissions({}, m), (m: Metadata) => grpc.AdmitParticipant({ msp_id: 'WaitMSP' }, m), (m: Metadata) => grpc.RejectParticipant({ msp_id: 'WaitMSP', reason: 'no' }, m)];
    for (const rpc of rpcs) {
      expect(await refusalOf(rpc(as()))).toEqual([status.UNAUTHENTICATED, 'UNAUTHENTICATED']);
      expect(await refusalOf(rpc(as('forged')))).toEqual([status.UNAUTHENTICATED, 'UNAUTHENTICATED']);
      expect(await refusalOf(rpc(as('participant')))).toEqual([status.PERMISSION_DENIED, 'FORBIDDEN']);
      expect(await refusalOf(rpc(as('client')))).toEqual([status.PERMISSION_DENIED, 'FORBIDDEN']);
    }
    expect(calls).toEqual([]);
  });

  it('answers the service’s refusals with the platform’s statuses and stable codes', async () => {
    const cases: Array<[Error, number, string]> = [
      [new MarketplaceError('NOT_AWAITING_ADMISSION', 'WaitMSP is not waiting for admission: already admitted'), status.FAILED_PRECONDITION, 'NOT_AWAITING_ADMISSION'],
      [new MarketplaceError('PARTICIPANT_NOT_FOUND', 'no registration of NobodyMSP'), status.NOT_FOUND, 'PARTICIPANT_NOT_FOUND'],
      [invalidRequest('body.reason: must not be empty'), status.INVALID_ARGUMENT, 'INVALID_REQUEST'],
    ];
    for (const [refusal, code, stable] of cases) {
      const { grpc } = handlers(refusal);
      expect(await refusalOf(grpc.AdmitParticipant({ msp_id: 'WaitMSP' }, as('admin')))).toEqual([code, stable]);
      expect(await refusalOf(grpc.RejectParticipant({ msp_id: 'WaitMSP', reason: 'late' }, as('admin')))).toEqual([code, stable]);
    }
  });
});
