import { domainCommands, domainFiles, hintFor, mspIdOrPlaceholder, registrationState } from './enroll-guidance';

describe('the registration page’s guidance', () => {
  it('shows the commands with the MSP id as typed, or a placeholder while it is not an MSP id', () => {
    expect(domainCommands(' AcmeMSP ', 'VSP')).toEqual({ add: './dev domain add AcmeMSP --role VSP', start: './dev domain start AcmeMSP', console: './dev domain console AcmeMSP' });
    for (const typed of ['', 'acme', 'Acme MSP', '9AcmeMSP', 'Acme;rm -rf /MSP', `A${'b'.repeat(41)}MSP`]) {
      expect([typed, domainCommands(typed, 'DSP').add]).toEqual([typed, './dev domain add <MSPID> --role DSP']);
    }
    expect(mspIdOrPlaceholder(`A${'b'.repeat(40)}MSP`)).toBe(`A${'b'.repeat(40)}MSP`);
  });

  it('names the domain’s own administrator files and its public package', () => {
    expect(domainFiles('AcmeMSP')).toEqual({
      folder: '.stack/domains/AcmeMSP',
      certificate: '.stack/domains/AcmeMSP/fabric/users/admin/msp/signcerts/cert.pem',
      key: '.stack/domains/AcmeMSP/fabric/users/admin/msp/keystore/*_sk',
      publicPackage: '.stack/domains/public/AcmeMSP',
    });
  });

  it('says what each state of a registration means', () => {
    expect(registrationState('AcmeMSP', undefined).phase).toBe('waiting');
    expect(registrationState('AcmeMSP', { status: 'pending' })).toEqual({ phase: 'waiting', text: expect.stringContaining('from its public MSP package') });
    expect(registrationState('AcmeMSP', { status: 'pending', admission: 'awaiting' })).toEqual({ phase: 'waiting', text: expect.stringContaining('waiting for an operator administrator') });
    expect(registrationState('AcmeMSP', { status: 'active' })).toEqual({ phase: 'done', text: expect.stringContaining('AcmeMSP is registered on the ledger (active)') });
    expect(registrationState('AcmeMSP', { status: 'failed', failure: { code: 'NO_MSP_PACKAGE', message: 'AcmeMSP has published no MSP package' } })).toEqual({
      phase: 'failed',
      text: 'The registration of AcmeMSP failed: NO_MSP_PACKAGE AcmeMSP has published no MSP package.',
    });
    expect(registrationState('AcmeMSP', { status: 'failed' }).text).toBe('The registration of AcmeMSP failed.');
    expect(registrationState('AcmeMSP', { status: 'rejected', rejection: { reason: 'unknown company' } })).toEqual({ phase: 'failed', text: expect.stringContaining(': unknown company. You may register again.') });
  });

  it('tells what to do after the refusals of the domain way', () => {
    expect(hintFor('NO_MSP_PACKAGE', 'AcmeMSP', 'DSP')).toContain('create its domain first (./dev domain add AcmeMSP --role DSP), then register again');
    expect(hintFor('PARTICIPANT_EXISTS', 'AcmeMSP', 'DSP')).toContain('AcmeMSP is registered already');
    expect(hintFor('ROLE_MISMATCH', 'AcmeMSP', 'DSP')).toContain("the domain's role");
    expect(hintFor('INVALID_REQUEST', 'AcmeMSP', 'DSP')).toBeUndefined();
    expect(hintFor(undefined, 'AcmeMSP', 'DSP')).toBeUndefined();
  });
});
