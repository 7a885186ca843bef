import { X509Certificate } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import type { ServiceConfig } from '@datawell/config';
import { createKeyAndCsr, testCertificateAuthority } from '@datawell/testing';
import { Reflector } from '@nestjs/core';
import type { ExecutionContext } from '@nestjs/common';
import { admit, AdmitWorkloads, Authenticated, AuthGuard, Authenticator, type Audience } from './auth.module';
import { isAdminCertificate, verifyAgainstDirectory, workloadOf } from './certificates';
import { operatorEntry, type IdentityDirectory } from './directory';
import { AuthError } from './errors';
import type { DirectoryEntry, Principal } from './principal';

const who = (role: Principal['role'], admin?: boolean): Principal => ({
  mspId: role === 'OPERATOR' ? 'OperatorMSP' : `${role}OrgMSP`,
  enrollmentId: admin ? 'admin' : 'user1',
  role,
  ...(admin ? { admin } : {}),
  certificateFingerprint: 'f'.repeat(64),
});

/** The code admit() refuses with, or 'admitted'. */
function verdict(principal: Principal, audience: Audience): string {
  try {
    expect(admit(principal, audience)).toBe(principal);
    return 'admitted';
  } catch (error) {
    return error instanceof AuthError ? error.code : `other: ${String(error)}`;
  }
}

async function certificateOf(ca: Awaited<ReturnType<typeof testCertificateAuthority>>, enrollmentId: string, organizationalUnits: string[] = [], attributes?: Record<string, string> | string) {
  const { csrPem, privateKeyPem } = await createKeyAndCsr(enrollmentId, { organizationalUnits });
  return { certificatePem: await ca.issue(csrPem, 1, attributes === undefined ? {} : { attributes }), privateKeyPem };
}

describe('audiences: participants, the operator, the operator administrators', () => {
  it.each<[string, Principal, Record<Audience, string>]>([
    // A participant's people are admitted on its workloads' routes too; the operator's identities are not.
    ['a DSP user', who('DSP'), { participant: 'admitted', operatorAdmin: 'FORBIDDEN', participantOrOperatorAdmin: 'admitted', participantOrWorkload: 'admitted' }],
    ["a VSP's administrator (OU=admin of a participant)", who('VSP', true), { participant: 'admitted', operatorAdmin: 'FORBIDDEN', participantOrOperatorAdmin: 'admitted', participantOrWorkload: 'admitted' }],
    ["an operator's identity that is not an administrator", who('OPERATOR'), { participant: 'FORBIDDEN', operatorAdmin: 'FORBIDDEN', participantOrOperatorAdmin: 'FORBIDDEN', participantOrWorkload: 'FORBIDDEN' }],
    ["the operator's administrator", who('OPERATOR', true), { participant: 'FORBIDDEN', operatorAdmin: 'admitted', participantOrOperatorAdmin: 'admitted', participantOrWorkload: 'FORBIDDEN' }],
    ["a VSP's MPC node (a workload's identity)", { ...who('VSP'), workload: 'mpc-node' }, { participant: 'FORBIDDEN', operatorAdmin: 'FORBIDDEN', participantOrOperatorAdmin: 'FORBIDDEN', participantOrWorkload: 'admitted' }],
  ])('%s', (_, principal, expected) => {
    const audiences: Audience[] = ['participant', 'operatorAdmin', 'participantOrOperatorAdmin', 'participantOrWorkload'];
    expect(Object.fromEntries(audiences.map((a) => [a, verdict(principal, a)]))).toEqual(expected);
  });
});

describe("a workload's identity (Fabric CA's datawell.workload attribute)", () => {
  it('is read from the attribute extension as Fabric CA writes it; a person has none, or other attributes only', async () => {
    const ca = await testCertificateAuthority('ca.vsp');
    const workload = async (attributes?: Record<string, string> | string) => workloadOf(new X509Certificate((await certificateOf(ca, 'someone', [], attributes)).certificatePem));
    expect(await workload({ 'datawell.workload': 'mpc-node', 'hf.EnrollmentID': 'd1.v1.vsp-mpc', 'hf.Type': 'client', 'hf.Affiliation': '' })).toBe('mpc-node');
    expect(await workload({ 'hf.EnrollmentID': 'owner', 'hf.Type': 'client', 'hf.Affiliation': '' })).toBeUndefined();
    expect(await workload()).toBeUndefined();
    // An extension that cannot be read, or a value that is no workload name, is refused: it could be a workload's.
    await expect(workload('not json')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(workload('{"attrs": ["datawell.workload"]}')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(workload({ 'datawell.workload': 'Mpc Node!' })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it("signs in as its member's workload, is refused on a person's routes and admitted on its workload's, its token included", async () => {
    const ca = await testCertificateAuthority('ca.vsp');
    const entry: DirectoryEntry = { mspId: 'VspOrgMSP', role: 'VSP', name: 'VSP', status: 'active', caCertPem: ca.caCertPem };
    const node = await certificateOf(ca, 'd1.v1.vsp-mpc', ['client'], { 'datawell.workload': 'mpc-node', 'hf.Type': 'client' });
    const verified = verifyAgainstDirectory(new X509Certificate(node.certificatePem), [entry]);
    expect(verified).toMatchObject({ enrollmentId: 'd1.v1.vsp-mpc', workload: 'mpc-node' });
    const person = verifyAgainstDirectory(new X509Certificate((await certificateOf(ca, 'owner', ['client'])).certificatePem), [entry]);
    expect(person.workload).toBeUndefined();

    // Its bearer token keeps what it is: refused where a person's is admitted, admitted on its workload's routes.
    const directory = { all: async () => [entry], get: async (mspId: string) => (mspId === entry.mspId ? entry : undefined) } as unknown as IdentityDirectory;
    const auth = new Authenticator({ auth: { tokenSecret: 's'.repeat(32) } } as ServiceConfig, directory);
    const principal = await auth.authenticateCertificate(node.certificatePem);
    expect(principal).toMatchObject({ mspId: 'VspOrgMSP', enrollmentId: 'd1.v1.vsp-mpc', workload: 'mpc-node' });
    const token = auth.issuer.issue(principal).token;
    expect(await auth.authenticate(`Bearer ${token}`)).toEqual(principal);
    const call = (audience?: Audience) => {
      const m = new Metadata();
      m.set('authorization', `Bearer ${token}`);
      return auth.authenticateCall(m, undefined, audience).then((p) => p.workload, (e: unknown) => (e instanceof AuthError ? e.code : String(e)));
    };
    expect(await call()).toBe('FORBIDDEN');
    expect(await call('participantOrOperatorAdmin')).toBe('FORBIDDEN');
    expect(await call('participantOrWorkload')).toBe('mpc-node');
  });
});

describe('OU=admin', () => {
  it('is read from the subject, alone or in a multi-valued RDN as Fabric CA writes an affiliation, and nothing else counts', async () => {
    const ca = await testCertificateAuthority('ca.operator');
    const admin = async (ous: string[], cn = 'someone') => isAdminCertificate(new X509Certificate((await certificateOf(ca, cn, ous)).certificatePem));
    expect(await admin(['admin'])).toBe(true);
    expect(await admin(['admin', 'org1'])).toBe(true);
    expect(await admin(['org1', 'admin'])).toBe(true);
    expect(await admin(['client'])).toBe(false);
    expect(await admin(['administrators'])).toBe(false);
    expect(await admin(['client', 'admins'])).toBe(false);
    // The common name says nothing about the type.
    expect(await admin([], 'admin')).toBe(false);
  });

  it("makes an operator CA's certificate an operator principal, with admin only for OU=admin; an MSP's cacerts may hold several CAs", async () => {
    const operatorCa = await testCertificateAuthority('ca.operator');
    const otherCa = await testCertificateAuthority('ca.operator-previous');
    const entry = operatorEntry(`${otherCa.caCertPem}\n${operatorCa.caCertPem}`);
    expect(entry).toMatchObject({ mspId: 'OperatorMSP', role: 'OPERATOR', status: 'active' });
    const admin = verifyAgainstDirectory(new X509Certificate((await certificateOf(operatorCa, 'admin.operator', ['admin'])).certificatePem), [entry]);
    expect([admin.entry.role, admin.enrollmentId, admin.admin]).toEqual(['OPERATOR', 'admin.operator', true]);
    const client = verifyAgainstDirectory(new X509Certificate((await certificateOf(operatorCa, 'matrix', ['client'])).certificatePem), [entry]);
    expect([client.entry.role, client.admin]).toEqual(['OPERATOR', false]);
  });
});

describe('Authenticator.authenticateCall (gRPC)', () => {
  async function setup() {
    const participantCa = await testCertificateAuthority('ca.acme');
    const operatorCa = await testCertificateAuthority('ca.operator');
    const entries: DirectoryEntry[] = [operatorEntry(operatorCa.caCertPem), { mspId: 'AcmeMSP', role: 'DSP', name: 'Acme', status: 'active', caCertPem: participantCa.caCertPem }];
    const directory = { all: async () => entries, get: async (mspId: string) => entries.find((e) => e.mspId === mspId) } as unknown as IdentityDirectory;
    const auth = new Authenticator({ auth: { tokenSecret: 's'.repeat(32) } } as ServiceConfig, directory);
    const member = await certificateOf(participantCa, 'alice', ['client']);
    const operatorAdmin = await certificateOf(operatorCa, 'admin.operator', ['admin']);
    const stranger = await certificateOf(await testCertificateAuthority('ca.stranger'), 'mallory', ['admin']);
    const tokenOf = async (certificatePem: string) => `Bearer ${auth.issuer.issue(await auth.authenticateCertificate(certificatePem)).token}`;
    return { auth, member, operatorAdmin, stranger, tokenOf };
  }

  const metadata = (authorization?: string) => {
    const m = new Metadata();
    if (authorization !== undefined) m.set('authorization', authorization);
    return m;
  };

  const outcome = (p: Promise<Principal>) =>
    p.then(
      (principal) => `${principal.mspId}/${principal.enrollmentId}`,
      (error: unknown) => (error instanceof AuthError ? error.code : `other: ${String(error)}`),
    );

  it('authenticates by the bearer token in the metadata, or else by the client certificate of the mutual-TLS call', async () => {
    const { auth, member, tokenOf } = await setup();
    expect(await outcome(auth.authenticateCall(metadata(await tokenOf(member.certificatePem))))).toBe('AcmeMSP/alice');
    expect(await outcome(auth.authenticateCall(metadata(), member.certificatePem))).toBe('AcmeMSP/alice');
  });

  it('refuses a call without either, with a forged or malformed token, and with a certificate of an unknown CA', async () => {
    const { auth, member, stranger, tokenOf } = await setup();
    expect(await outcome(auth.authenticateCall(metadata()))).toBe('UNAUTHENTICATED');
    expect(await outcome(auth.authenticateCall(metadata('Bearer forged.token')))).toBe('UNAUTHENTICATED');
    expect(await outcome(auth.authenticateCall(metadata((await tokenOf(member.certificatePem)).replace('Bearer ', 'Basic '))))).toBe('UNAUTHENTICATED');
    expect(await outcome(auth.authenticateCall(metadata(), stranger.certificatePem))).toBe('UNAUTHENTICATED');
  });

  it('lets the token win over the certificate: a bad token is not rescued by a good certificate', async () => {
    const { auth, member, operatorAdmin, tokenOf } = await setup();
    expect(await outcome(auth.authenticateCall(metadata('Bearer forged.token'), member.certificatePem))).toBe('UNAUTHENTICATED');
    expect(await outcome(auth.authenticateCall(metadata(await tokenOf(member.certificatePem)), operatorAdmin.certificatePem, 'operatorAdmin'))).toBe('FORBIDDEN');
  });

  it("applies the audience: participants' rpcs refuse the operator, the operator administrators' refuse participants", async () => {
    const { auth, member, operatorAdmin, tokenOf } = await setup();
    expect(await outcome(auth.authenticateCall(metadata(await tokenOf(operatorAdmin.certificatePem))))).toBe('FORBIDDEN');
    expect(await outcome(auth.authenticateCall(metadata(), operatorAdmin.certificatePem))).toBe('FORBIDDEN');
    expect(await outcome(auth.authenticateCall(metadata(), operatorAdmin.certificatePem, 'operatorAdmin'))).toBe('OperatorMSP/admin.operator');
    expect(await outcome(auth.authenticateCall(metadata(await tokenOf(member.certificatePem)), undefined, 'operatorAdmin'))).toBe('FORBIDDEN');
  });
});

describe('AdmitWorkloads on one handler of an @Authenticated() controller', () => {
  @Authenticated()
  class Routes {
    @AdmitWorkloads()
    register(): void {}

    revenue(): void {}
  }

  it("admits a workload's identity on that handler only, and people on both", async () => {
    const node: Principal = { ...who('VSP'), workload: 'mpc-node' };
    const person = who('VSP');
    const guard = (principal: Principal) => new AuthGuard({ authenticate: async () => principal } as unknown as Authenticator, new Reflector());
    const context = (handler: () => void) =>
      ({ getHandler: () => handler, getClass: () => Routes, switchToHttp: () => ({ getRequest: () => ({ headers: { authorization: 'Bearer t' } }) }) }) as unknown as ExecutionContext;
    const outcome = (principal: Principal, handler: () => void) =>
      guard(principal)
        .canActivate(context(handler))
        .then(
          () => 'admitted',
          (e: unknown) => (e instanceof AuthError ? e.code : String(e)),
        );
    expect(await outcome(node, Routes.prototype.register)).toBe('admitted');
    expect(await outcome(node, Routes.prototype.revenue)).toBe('FORBIDDEN');
    expect(await outcome(person, Routes.prototype.register)).toBe('admitted');
    expect(await outcome(person, Routes.prototype.revenue)).toBe('admitted');
  });
});
