import type { Principal } from '@datawell/auth';
import type { OutboxMessage } from '@datawell/messaging';
import type { EntityManager } from 'typeorm';
import type { MarketplaceError } from '../errors';
import type { Store } from '../store';
import type { AwaitingAdmissionRow, ParticipantRow, ParticipantsRepository } from './participants.repository';
import { ParticipantsService } from './participants.service';

/** A row's columns as the table's defaults make them. */
const NEW_ROW = {
  ca_cert_pem: null,
  reputation_count: 0,
  reputation_sum: 0,
  reputation_milli: 0,
  reputation_abandonments: 0,
  reputation_weight_micro: '0',
  reputation_sum_micro: '0',
  reputation_as_of_ms: '0',
  reputation_half_life_ms: '15552000000',
  suspended: false,
  sanction_reason: null,
  sanction_at_ms: '0',
} satisfies Partial<ParticipantRow>;

/** The repository's contract for registration and admission over maps (its SQL runs in the integration tests). */
class MemoryParticipants {
  readonly rows = new Map<string, ParticipantRow>();
  readonly identities: Array<{ mspId: string; enrollmentId: string; status: string; failure?: string }> = [];
  #clock = 0;

  async register(_m: EntityManager, p: { mspId: string; role: 'DSP' | 'VSP'; name: string; commandId: string; ownCa: boolean; awaiting: boolean }): Promise<boolean> {
    const existing = this.rows.get(p.mspId);
    if (existing && existing.status !== 'failed' && existing.status !== 'rejected') return false;
    this.rows.set(p.mspId, {
      ...NEW_ROW,
      msp_id: p.mspId,
      role: p.role,
      name: p.name,
      status: 'pending',
      command_id: p.commandId,
      own_ca: p.ownCa,
      admission: p.awaiting ? 'awaiting' : null,
      requested_at: new Date(Date.UTC(2026, 0, 1, 0, 0, this.#clock++)),
      decided_by: null,
      decided_at: null,
      rejection_reason: null,
      failure_code: null,
      failure_message: null,
    });
    return true;
  }

  async deleteUnenrolledIdentities(_m: EntityManager, mspId: string): Promise<void> {
    for (let i = this.identities.length - 1; i >= 0; i--) if (this.identities[i]!.mspId === mspId && this.identities[i]!.status !== 'enrolled') this.identities.splice(i, 1);
  }

  async insertIdentity(_m: EntityManager, i: { mspId: string; enrollmentId: string; status: string }): Promise<void> {
    this.identities.push({ mspId: i.mspId, enrollmentId: i.enrollmentId, status: i.status });
  }

  async find(mspId: string): Promise<ParticipantRow | undefined> {
    const row = this.rows.get(mspId);
    return row && { ...row };
  }

  async awaitingAdmission(): Promise<AwaitingAdmissionRow[]> {
    return [...this.rows.values()]
      .filter((r) => r.admission === 'awaiting' && r.status === 'pending')
      .sort((a, b) => a.requested_at.getTime() - b.requested_at.getTime())
      .map((r) => ({ msp_id: r.msp_id, role: r.role, name: r.name, own_ca: r.own_ca, requested_at: r.requested_at, enrollment_id: this.identities.find((i) => i.mspId === r.msp_id && i.status === 'pending')?.enrollmentId ?? null }));
  }

  async admitted(_m: EntityManager, mspId: string, by: string, at: Date): Promise<void> {
    Object.assign(this.rows.get(mspId)!, { admission: 'admitted', decided_by: by, decided_at: at });
  }

  async rejected(_m: EntityManager, mspId: string, reason: string, by: string, at: Date): Promise<void> {
    Object.assign(this.rows.get(mspId)!, { status: 'rejected', rejection_reason: reason, decided_by: by, decided_at: at });
    for (const i of this.identities) if (i.mspId === mspId && i.status === 'pending') Object.assign(i, { status: 'failed', failure: 'REGISTRATION_REJECTED' });
  }

  async listedOffers(): Promise<[]> {
    return [];
  }
}

const TOPIC = 'network.commands.test';
const admin: Principal = { mspId: 'OperatorMSP', enrollmentId: 'admin.operator', role: 'OPERATOR', admin: true, certificateFingerprint: 'f0' };
const CSR = '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----';

/** Registrations from organisations' own trust domains (a CSR is refused: the operator makes no CA). */
function setup(admission: 'automatic' | 'manual') {
  const repository = new MemoryParticipants();
  const sent: OutboxMessage[] = [];
  const store = {
    settings: { topics: { networkCommands: TOPIC }, admission },
    // One transaction: nothing is kept (rows nor messages) when the work throws.
    write: async <T>(work: (m: EntityManager, send: (...m: OutboxMessage[]) => Promise<void>) => Promise<T>): Promise<T> => {
      const rows = new Map([...repository.rows].map(([k, v]) => [k, { ...v }]));
      const pending: OutboxMessage[] = [];
      try {
        const result = await work({} as EntityManager, async (...m) => void pending.push(...m));
        sent.push(...pending);
        return result;
      } catch (e) {
        repository.rows.clear();
        for (const [k, v] of rows) repository.rows.set(k, v);
        throw e;
      }
    },
  } as unknown as Store;
  const service = new ParticipantsService(store, repository as unknown as ParticipantsRepository);
  const commands = () => sent.map((m) => ({ topic: m.topic, key: m.key, data: (m.payload as { data: Record<string, unknown> }).data }));
  return { service, repository, commands };
}

const withIdentity = (mspId: string, role: 'DSP' | 'VSP' = 'DSP') => ({ mspId, role, name: `${mspId} Ltd`, identity: { enrollmentId: 'alice', csrPem: CSR } });
const ownCa = (mspId: string, role: 'DSP' | 'VSP' = 'VSP') => ({ mspId, role, name: `${mspId} Ltd` });

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    return `${(e as MarketplaceError).code} (${(e as MarketplaceError).kind})`;
  }
  throw new Error('expected a refusal');
}

describe('registration: the operator makes no CA', () => {
  it('refuses a registration with a CSR with 422 DOMAIN_REQUIRED naming ./dev domain add: nothing recorded or sent; its own CA is registered', async () => {
    for (const admission of ['automatic', 'manual'] as const) {
      const { service, repository, commands } = setup(admission);
      await expect(service.register(withIdentity('AcmeMSP', 'VSP'))).rejects.toMatchObject({ code: 'DOMAIN_REQUIRED', status: 422, message: expect.stringContaining('./dev domain add AcmeMSP --role VSP') });
      expect([repository.rows.size, commands()]).toEqual([0, []]);
      await service.register(ownCa('OwnMSP'));
      expect([...repository.rows.keys()]).toEqual(['OwnMSP']);
    }
  });
});

describe('registration with automatic admission (the default)', () => {
  it('sends onboard-participant at once, with ownCa, and shows no admission', async () => {
    const { service, commands } = setup('automatic');
    const a = await service.register(ownCa('AcmeMSP', 'DSP'));
    const b = await service.register(ownCa('OwnMSP'));
    expect(a).toEqual({ mspId: 'AcmeMSP', status: 'pending', commandId: expect.stringMatching(/^marketplace:onboard:AcmeMSP:[0-9a-f-]{36}$/) });
    expect(commands()).toEqual([
      { topic: TOPIC, key: 'AcmeMSP', data: { kind: 'onboard-participant', commandId: a.commandId, mspId: 'AcmeMSP', role: 'DSP', name: 'AcmeMSP Ltd', ownCa: true } },
      { topic: TOPIC, key: 'OwnMSP', data: { kind: 'onboard-participant', commandId: b.commandId, mspId: 'OwnMSP', role: 'VSP', name: 'OwnMSP Ltd', ownCa: true } },
    ]);
    expect((await service.get('AcmeMSP')).admission).toBeUndefined();
    expect(await service.admissions()).toEqual({ admissions: [] });
    expect(await refusal(service.admit(admin, 'AcmeMSP'))).toBe('NOT_AWAITING_ADMISSION (conflict)');
    expect(await refusal(service.reject(admin, 'AcmeMSP', { reason: 'no' }))).toBe('NOT_AWAITING_ADMISSION (conflict)');
  });
});

describe('registration with manual admission', () => {
  it('records it pending and awaiting, sends nothing, and lists it oldest first', async () => {
    const { service, commands } = setup('manual');
    const a = await service.register(ownCa('AcmeMSP', 'DSP'));
    await service.register(ownCa('OwnMSP'));
    expect(a).toEqual({ mspId: 'AcmeMSP', status: 'pending', commandId: expect.stringMatching(/^marketplace:onboard:AcmeMSP:/), admission: 'awaiting' });
    expect(commands()).toEqual([]);
    expect(await service.get('AcmeMSP')).toMatchObject({ status: 'pending', admission: 'awaiting' });
    expect(await service.admissions()).toEqual({
      admissions: [
        { mspId: 'AcmeMSP', role: 'DSP', name: 'AcmeMSP Ltd', requestedAt: '2026-01-01T00:00:00.000Z', ownCa: true },
        { mspId: 'OwnMSP', role: 'VSP', name: 'OwnMSP Ltd', requestedAt: '2026-01-01T00:00:01.000Z', ownCa: true },
      ],
    });
    expect(await refusal(service.register(ownCa('AcmeMSP', 'DSP')))).toBe('PARTICIPANT_EXISTS (exists)');
  });

  it('admits: exactly the command registration would have sent (its id and payload), once; the queue no longer lists it', async () => {
    const automatic = setup('automatic');
    await automatic.service.register(ownCa('OwnMSP'));
    const { service, repository, commands } = setup('manual');
    const registered = await service.register(ownCa('OwnMSP'));
    const admitted = await service.admit(admin, 'OwnMSP');
    expect(admitted).toEqual({ mspId: 'OwnMSP', status: 'pending', admission: 'admitted', commandId: registered.commandId });
    const [automaticCommand] = automatic.commands();
    expect(commands()).toEqual([{ ...automaticCommand, data: { ...automaticCommand!.data, commandId: registered.commandId } }]);
    expect(repository.rows.get('OwnMSP')).toMatchObject({ admission: 'admitted', decided_by: 'OperatorMSP:admin.operator' });
    expect(await service.admissions()).toEqual({ admissions: [] });
    expect(await service.get('OwnMSP')).toMatchObject({ status: 'pending', admission: 'admitted' });
    // Idempotent by refusal: a second admit sends nothing more.
    expect(await refusal(service.admit(admin, 'OwnMSP'))).toBe('NOT_AWAITING_ADMISSION (conflict)');
    expect(await refusal(service.reject(admin, 'OwnMSP', { reason: 'too late' }))).toBe('NOT_AWAITING_ADMISSION (conflict)');
    expect(commands()).toHaveLength(1);
  });

  it('rejects with a reason: nothing sent, shown as rejected with it, and the MSP id may register again', async () => {
    const { service, commands } = setup('manual');
    await service.register(ownCa('AcmeMSP', 'DSP'));
    const rejected = await service.reject(admin, 'AcmeMSP', { reason: '  not a known company  ' });
    expect(rejected).toEqual({ mspId: 'AcmeMSP', status: 'rejected', rejection: { reason: 'not a known company', atMs: expect.any(Number) } });
    expect(commands()).toEqual([]);
    expect(await service.get('AcmeMSP')).toMatchObject({ status: 'rejected', rejection: { reason: 'not a known company', atMs: rejected.rejection.atMs } });
    expect(await service.admissions()).toEqual({ admissions: [] });
    expect(await refusal(service.admit(admin, 'AcmeMSP'))).toBe('NOT_AWAITING_ADMISSION (conflict)');

    const again = await service.register(ownCa('AcmeMSP', 'VSP'));
    expect(again.admission).toBe('awaiting');
    const view = await service.get('AcmeMSP');
    expect(view).toMatchObject({ status: 'pending', role: 'VSP', admission: 'awaiting' });
    expect(view.rejection).toBeUndefined();
    expect((await service.admissions()).admissions.map((a) => a.mspId)).toEqual(['AcmeMSP']);
  });

  it('refuses bad input and unknown MSP ids with stable codes, changing nothing', async () => {
    const { service, repository, commands } = setup('manual');
    await service.register(ownCa('AcmeMSP', 'DSP'));
    expect(await refusal(service.admit(admin, 'NobodyMSP'))).toBe('PARTICIPANT_NOT_FOUND (notFound)');
    expect(await refusal(service.reject(admin, 'NobodyMSP', { reason: 'x' }))).toBe('PARTICIPANT_NOT_FOUND (notFound)');
    expect(await refusal(service.admit(admin, 'not an msp'))).toBe('INVALID_REQUEST (invalid)');
    for (const body of [{}, { reason: '' }, { reason: '   ' }, { reason: 'x'.repeat(501) }, { reason: 'ok', extra: 1 }, { reason: 5 }, null]) {
      expect([body, await refusal(service.reject(admin, 'AcmeMSP', body))]).toEqual([body, 'INVALID_REQUEST (invalid)']);
    }
    expect((await service.reject(admin, 'AcmeMSP', { reason: 'x'.repeat(500) })).rejection.reason).toHaveLength(500);
    expect(commands()).toEqual([]);
    expect(repository.rows.get('AcmeMSP')?.status).toBe('rejected');
  });

  it('does not list or admit a registration the ledger has made active meanwhile (the operator admitted it directly)', async () => {
    const { service, repository } = setup('manual');
    await service.register(ownCa('AcmeMSP', 'DSP'));
    repository.rows.get('AcmeMSP')!.status = 'active';
    expect(await service.admissions()).toEqual({ admissions: [] });
    expect(await refusal(service.admit(admin, 'AcmeMSP'))).toBe('NOT_AWAITING_ADMISSION (conflict)');
  });
});
