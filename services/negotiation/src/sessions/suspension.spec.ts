import type { DirectoryEntry, Principal } from '@datawell/auth';
import { SessionsService, type SessionsServiceOptions } from './sessions.service';

/** The marketplace's sanction in negotiation: a suspended participant opens no session, nor is a party to one. */
describe('SessionsService and suspended participants', () => {
  const entries = new Map<string, DirectoryEntry>([
    ['DspMSP', { mspId: 'DspMSP', role: 'DSP', name: 'D', status: 'active', caCertPem: 'pem' }],
    ['VspMSP', { mspId: 'VspMSP', role: 'VSP', name: 'V', status: 'suspended', caCertPem: 'pem' }],
    ['SuspDspMSP', { mspId: 'SuspDspMSP', role: 'DSP', name: 'S', status: 'suspended', caCertPem: 'pem' }],
  ]);
  // Nothing past the refusals is reached: the repositories are never called.
  const service = new SessionsService({ directory: { get: async (msp: string) => entries.get(msp) }, idleSeconds: 60 } as unknown as SessionsServiceOptions);
  const as = (mspId: string, role: 'DSP' | 'VSP'): Principal => ({ mspId, enrollmentId: 'u', role, certificateFingerprint: 'f' });

  it('refuses to open a session for a suspended caller (403 FORBIDDEN), formation or join', async () => {
    await expect(service.create(as('SuspDspMSP', 'DSP'), { kind: 'formation', daoId: 'acme', parties: ['VspMSP'] })).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/SuspDspMSP is suspended/) });
    await expect(service.create(as('VspMSP', 'VSP'), { kind: 'join', daoId: 'acme', joiners: [] })).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/VspMSP is suspended/) });
  });

  it('refuses a suspended party named by an active caller (UNKNOWN_PARTY: only active participants take part)', async () => {
    await expect(service.create(as('DspMSP', 'DSP'), { kind: 'formation', daoId: 'acme', parties: ['VspMSP'] })).rejects.toMatchObject({ code: 'UNKNOWN_PARTY', message: expect.stringMatching(/VspMSP is not an active registered participant/) });
  });
});
