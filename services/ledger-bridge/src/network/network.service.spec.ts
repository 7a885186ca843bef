import type { AgreementReached, NetworkCommand, NetworkEvent } from '@datawell/contracts';
import { AdminError } from '../admin/admin.errors';
import { AGREEMENTS_CONSUMER, COMMANDS_CONSUMER, NetworkService, StoppingError, type NetworkAdmin, type NetworkInbox } from './network.service';
import { signAgreement, testCa, type TestCa } from './test-pki.spec-helper';

class MemoryInbox implements NetworkInbox {
  readonly events: { consumer: string; id: string; key: string; event: NetworkEvent }[] = [];
  async handled(consumer: string, id: string) {
    return this.events.some((e) => e.consumer === consumer && e.id === id);
  }
  async exclusively<T>(_c: string, _id: string, work: () => Promise<T>) {
    return work();
  }
  async complete(consumer: string, id: string, event: NetworkEvent, key: string) {
    if (await this.handled(consumer, id)) return false;
    this.events.push({ consumer, id, key, event });
    return true;
  }
}

const quiet = { error: () => undefined, warn: () => undefined, log: () => undefined, debug: () => undefined };
const CSR = '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----';

function admin(overrides: Partial<NetworkAdmin> = {}): NetworkAdmin & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    onboardParticipant: async (input) => {
      calls.push(`onboard ${JSON.stringify(input)}`);
      const p = input as { mspId: string; role: 'DSP' | 'VSP'; name: string };
      return { ...p, status: 'active', caCertPem: 'CA-PEM' };
    },
    enrollIdentity: async (input) => {
      calls.push(`enroll ${(input as { enrollmentId: string }).enrollmentId}`);
      return { mspId: 'AcmeMSP', enrollmentId: 'alice', certificatePem: 'CERT', caCertPem: 'CA-PEM' };
    },
    createDaoVersion: async (input) => {
      calls.push(`create ${(input as { agreement: { agreementId: string } }).agreement.agreementId}`);
      return { daoId: 'd1', version: 1, channel: 'dao-d1-v1', members: ['DspMSP', 'VspMSP'], dsp: 'DspMSP', initTxId: 'tx1' };
    },
    orgCaCertificate: () => undefined,
    ...overrides,
  };
}

describe('NetworkService commands', () => {
  it('answers each command once, with its outcome keyed by MSP id', async () => {
    const inbox = new MemoryInbox();
    const a = admin();
    const service = new NetworkService({ admin: a, repository: inbox, logger: quiet });
    const onboard: NetworkCommand = { kind: 'onboard-participant', commandId: 'c1', mspId: 'AcmeMSP', role: 'DSP', name: 'Acme' };
    await service.handleCommand(onboard);
    await service.handleCommand(onboard); // a redelivery
    await service.handleCommand({ kind: 'enroll-identity', commandId: 'c2', mspId: 'AcmeMSP', enrollmentId: 'alice', csrPem: CSR });
    expect(a.calls).toEqual(['onboard {"mspId":"AcmeMSP","role":"DSP","name":"Acme"}', 'enroll alice']);
    expect(inbox.events).toEqual([
      { consumer: COMMANDS_CONSUMER, id: 'c1', key: 'AcmeMSP', event: { kind: 'participant-onboarded', commandId: 'c1', mspId: 'AcmeMSP', role: 'DSP', name: 'Acme', caCertPem: 'CA-PEM' } },
      { consumer: COMMANDS_CONSUMER, id: 'c2', key: 'AcmeMSP', event: { kind: 'identity-enrolled', commandId: 'c2', mspId: 'AcmeMSP', enrollmentId: 'alice', certificatePem: 'CERT', caCertPem: 'CA-PEM' } },
    ]);
  });

  it('fails a bad request at once with the admin code, and a failing network after retries with UNAVAILABLE', async () => {
    const inbox = new MemoryInbox();
    let attempts = 0;
    const a = admin({
      enrollIdentity: async () => {
        throw new AdminError('INVALID_CSR', 'csrPem: not a readable PKCS#10 certificate request');
      },
      onboardParticipant: async () => {
        attempts++;
        throw new Error('14 UNAVAILABLE: connection refused');
      },
    });
    const service = new NetworkService({ admin: a, repository: inbox, logger: quiet, maxAttempts: 3, retryDelayMs: 1 });
    await service.handleCommand({ kind: 'enroll-identity', commandId: 'c3', mspId: 'AcmeMSP', enrollmentId: 'alice', csrPem: CSR });
    await service.handleCommand({ kind: 'onboard-participant', commandId: 'c4', mspId: 'AcmeMSP', role: 'DSP', name: 'Acme' });
    expect(attempts).toBe(3);
    expect(inbox.events.map((e) => e.event)).toEqual([
      { kind: 'command-failed', commandId: 'c3', subject: 'AcmeMSP', code: 'INVALID_CSR', message: 'csrPem: not a readable PKCS#10 certificate request' },
      { kind: 'command-failed', commandId: 'c4', subject: 'AcmeMSP', code: 'UNAVAILABLE', message: 'gave up after 3 attempts: 14 UNAVAILABLE: connection refused' },
    ]);
  });

  it('leaves a message unanswered, for redelivery, when the bridge stops during retries', async () => {
    const inbox = new MemoryInbox();
    const a = admin({ onboardParticipant: async () => Promise.reject(new Error('peer away')) });
    const service = new NetworkService({ admin: a, repository: inbox, logger: quiet, maxAttempts: 3, retryDelayMs: 1, stopping: () => true });
    await expect(service.handleCommand({ kind: 'onboard-participant', commandId: 'c5', mspId: 'AcmeMSP', role: 'DSP', name: 'Acme' })).rejects.toThrow(StoppingError);
    expect(inbox.events).toEqual([]);
  });
});

describe('NetworkService agreements', () => {
  let cas: Record<string, TestCa>;
  let keys: Record<string, { certPem: string; keyPem: string }>;
  beforeAll(async () => {
    cas = { DspMSP: await testCa('ca-dsp'), VspMSP: await testCa('ca-vsp') };
    keys = { DspMSP: await cas['DspMSP']!.issue('dana'), VspMSP: await cas['VspMSP']!.issue('vic') };
  });
  const agreement = {
    agreementId: 'agr-1',
    daoId: 'd1',
    version: 1,
    members: [
      { mspId: 'DspMSP', group: 'D', role: 'DSP' },
      { mspId: 'VspMSP', group: 'J1', role: 'VSP' },
    ],
  };
  const reached = (body = agreement, signers = ['DspMSP', 'VspMSP']): AgreementReached => ({
    sessionId: 's',
    agreementId: 'agr-1',
    daoId: 'd1',
    version: 1,
    agreement: body,
    signatures: signers.map((m) => ({ mspId: m, enrollmentId: m === 'DspMSP' ? 'dana' : 'vic', certificatePem: keys[m]!.certPem, signature: signAgreement(agreement, keys[m]!.keyPem) })),
  });

  it('forms the version of a well-signed agreement and answers dao-version-created as agreement:<id>', async () => {
    const inbox = new MemoryInbox();
    const a = admin({ orgCaCertificate: (m) => cas[m]?.certPem });
    await new NetworkService({ admin: a, repository: inbox, logger: quiet }).handleAgreement(reached());
    expect(a.calls).toEqual(['create agr-1']);
    expect(inbox.events).toEqual([
      {
        consumer: AGREEMENTS_CONSUMER,
        id: 'agreement:agr-1',
        key: 'd1',
        event: { kind: 'dao-version-created', commandId: 'agreement:agr-1', daoId: 'd1', version: 1, channel: 'dao-d1-v1', members: ['DspMSP', 'VspMSP'], initTxId: 'tx1' },
      },
    ]);
  });

  it('creates nothing for a bad signature (BAD_SIGNATURE), an event that contradicts its agreement, or a refused agreement', async () => {
    const inbox = new MemoryInbox();
    const a = admin({ orgCaCertificate: (m) => cas[m]?.certPem });
    const service = new NetworkService({ admin: a, repository: inbox, logger: quiet });
    const tampered = reached();
    tampered.signatures[1] = { ...tampered.signatures[1]!, signature: signAgreement({ ...agreement, version: 2 }, keys['VspMSP']!.keyPem) };
    await service.handleAgreement(tampered);
    await service.handleAgreement({ ...reached(), agreementId: 'agr-2' });
    expect(a.calls).toEqual([]);
    const refusing = new NetworkService({
      admin: admin({ orgCaCertificate: (m) => cas[m]?.certPem, createDaoVersion: () => Promise.reject(new AdminError('NOT_A_PARTICIPANT', 'VspMSP is not a registered participant')) }),
      repository: inbox,
      logger: quiet,
    });
    await refusing.handleAgreement({ ...reached(), agreementId: 'agr-3', agreement: { ...agreement, agreementId: 'agr-3' }, signatures: reached({ ...agreement, agreementId: 'agr-3' }).signatures.map((s) => ({ ...s, signature: signAgreement({ ...agreement, agreementId: 'agr-3' }, keys[s.mspId]!.keyPem) })) });
    expect(inbox.events.map((e) => [e.id, (e.event as { code?: string }).code, (e.event as { message?: string }).message])).toEqual([
      ['agreement:agr-1', 'BAD_SIGNATURE', expect.stringMatching(/signatures\.1 \(VspMSP\/vic\): the signature does not verify/)],
      ['agreement:agr-2', 'INVALID_REQUEST', expect.stringMatching(/agreement\.agreementId \("agr-1"\) differs from the event's agreementId \("agr-2"\)/)],
      ['agreement:agr-3', 'NOT_A_PARTICIPANT', 'VspMSP is not a registered participant'],
    ]);
    expect(inbox.events.every((e) => e.event.kind === 'command-failed' && e.event.subject === 'dao-d1-v1')).toBe(true);
  });
});
