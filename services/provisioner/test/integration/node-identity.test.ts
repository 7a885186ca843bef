import { spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { admit, verifyAgainstDirectory, workloadOf } from '@datawell/auth';
import { createMpcCa, issueMpcCertificate } from '@datawell/mpc';
import { addDomain, domainPaths, findDomain, memberServiceLaunch, orgCaCertificate, osUser, type MemberServiceLaunch } from '@datawell/stack';
import { integrationPool, REPO_DIR, stackConnection, testStackContext } from '@datawell/testing';
import { FabricCaNodeIdentityIssuer, NodeIdentityError, type FabricCaEnrollmentSettings } from '../../src/provisioning/node-identity.adapter';

/**
 * A member's MPC node identities from its own Fabric CA (issue 12): the stack tooling registers the
 * node enroller at the member domain's CA and gives the member's provisioner its settings; the adapter
 * issues node identities there, chained to the member's MSP root, with keys made beside the node.
 */
const ctx = testStackContext();
const MEMBER = integrationPool().vsps[0];
/** The domain's CA, named after its organisation by the stack tooling. */
const CA_NAME = `ca-${MEMBER.replace(/MSP$/, '').toLowerCase()}`;
const MPC_VARIABLES = ['PROVISIONER_MPC_ENROLL_URL', 'PROVISIONER_MPC_ENROLL_CA_NAME', 'PROVISIONER_MPC_ENROLL_TLS_CA_FILE', 'PROVISIONER_MPC_ENROLL_SECRET_FILE', 'PROVISIONER_MPC_COORDINATOR_CA_FILE'];

const pkiDir = join(ctx.settings.stackDir, 'mpc-pki');
const scratch = mkdtempSync(join(tmpdir(), 'node-identity-'));
const cleanUp = [scratch];

/** The operator's MPC PKI as `./dev up` makes it (tools/cli services runner), for a stack the test tier started without services. */
async function ensureOperatorMpcPki(): Promise<void> {
  if (['ca.crt', 'ca.key', 'coordinator.crt', 'coordinator.key'].every((f) => existsSync(join(pkiDir, f)))) return;
  mkdirSync(pkiDir, { recursive: true, mode: 0o700 });
  const ca = await createMpcCa('datawell-mpc-ca');
  const coordinator = await issueMpcCertificate(ca, 'mpc-coordinator', 3650);
  writeFileSync(join(pkiDir, 'ca.key'), ca.key, { mode: 0o600 });
  writeFileSync(join(pkiDir, 'ca.crt'), ca.cert);
  writeFileSync(join(pkiDir, 'coordinator.key'), coordinator.key, { mode: 0o600 });
  writeFileSync(join(pkiDir, 'coordinator.crt'), coordinator.cert);
}

function settingsOf(launch: MemberServiceLaunch): FabricCaEnrollmentSettings {
  return {
    url: launch.env['PROVISIONER_MPC_ENROLL_URL']!,
    caName: launch.env['PROVISIONER_MPC_ENROLL_CA_NAME']!,
    tlsCaFile: launch.env['PROVISIONER_MPC_ENROLL_TLS_CA_FILE']!,
    secretFile: launch.env['PROVISIONER_MPC_ENROLL_SECRET_FILE']!,
  };
}

/** Whether the domain's OS user can read `file` (the provisioner runs as that user). */
function readableBy(user: string, file: string): boolean {
  return spawnSync('runuser', ['-u', user, '--', 'cat', file], { encoding: 'utf8' }).status === 0;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("a member's MPC node identities from its own CA", () => {
  let launch: MemberServiceLaunch;
  let settings: FabricCaEnrollmentSettings;
  let withoutPki: MemberServiceLaunch | undefined;
  let mspRoot: string;

  beforeAll(async () => {
    await addDomain(ctx, MEMBER, 'VSP');
    // A stack without the operator's MPC CA (the test tier starts no services) first: no member mesh.
    if (!existsSync(join(pkiDir, 'ca.crt'))) withoutPki = await memberServiceLaunch(ctx, stackConnection(), MEMBER, 'provisioner');
    await ensureOperatorMpcPki();
    launch = await memberServiceLaunch(ctx, stackConnection(), MEMBER, 'provisioner');
    settings = settingsOf(launch);
    mspRoot = orgCaCertificate(ctx, MEMBER);
  }, 600000);

  afterAll(() => cleanUp.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it("gives the member's provisioner its own CA's enrolment settings once the operator has an MPC coordinator CA, and none before", () => {
    if (withoutPki) for (const name of MPC_VARIABLES) expect(withoutPki.env[name]).toBeUndefined();
    for (const name of MPC_VARIABLES) expect(launch.env[name]).toBeTruthy();
    const d = findDomain(ctx, MEMBER);
    expect(settings.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(settings.caName).toBe(CA_NAME);
    const p = domainPaths(ctx.settings, MEMBER);
    // The coordinator's CA, public, copied into the domain's public folder where its user reads it.
    const coordinatorCa = launch.env['PROVISIONER_MPC_COORDINATOR_CA_FILE']!;
    expect(coordinatorCa.startsWith(`${p.publicDir}/`)).toBe(true);
    expect(readFileSync(coordinatorCa, 'utf8')).toBe(readFileSync(join(pkiDir, 'ca.crt'), 'utf8'));
    expect(readableBy(d.osUser, coordinatorCa)).toBe(true);
    expect(readableBy(d.osUser, settings.tlsCaFile)).toBe(true);
    // Never the operator's key.
    expect(Object.values(launch.env).some((v) => v.includes('mpc-pki'))).toBe(false);
  });

  it("keeps the enroller's secret in the domain's secrets folder, mode 0600, owned by the domain's user, registered once", async () => {
    const d = findDomain(ctx, MEMBER);
    const p = domainPaths(ctx.settings, MEMBER);
    expect(settings.secretFile.startsWith(`${p.secrets}/`)).toBe(true);
    const st = statSync(settings.secretFile);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.uid).toBe(osUser(d.osUser).uid);
    expect(readableBy(d.osUser, settings.secretFile)).toBe(true);
    expect(readFileSync(settings.secretFile, 'utf8')).toMatch(/^mpc-node:[A-Za-z0-9_-]{20,}\n$/);
    const before = readFileSync(settings.secretFile, 'utf8');
    const again = await memberServiceLaunch(ctx, stackConnection(), MEMBER, 'provisioner');
    expect(again.env['PROVISIONER_MPC_ENROLL_SECRET_FILE']).toBe(settings.secretFile);
    expect(readFileSync(settings.secretFile, 'utf8')).toBe(before);
  });

  it("issues a node's TLS identity chained to the member's MSP root, with its key in the node's folder, and reuses it without the CA", async () => {
    const dir = join(scratch, 'node-a');
    const identity = await new FabricCaNodeIdentityIssuer(settings).issue(dir, 'd1.v1.nodeid-mpc');
    expect(identity).toMatchObject({ certFile: join(dir, 'mpc-node.crt'), keyFile: join(dir, 'mpc-node.key'), caFile: join(dir, 'mpc-ca.crt') });
    const cert = new X509Certificate(identity.certificatePem);
    const root = new X509Certificate(mspRoot);
    expect(cert.subject.split('\n')).toContain('CN=d1.v1.nodeid-mpc');
    expect(cert.checkIssued(root)).toBe(true);
    expect(cert.verify(root.publicKey)).toBe(true);
    expect(new X509Certificate(identity.caCertificatePem).fingerprint256).toBe(root.fingerprint256);
    expect(cert.checkPrivateKey(createPrivateKey(readFileSync(identity.keyFile)))).toBe(true);
    expect(cert.subjectAltName).toMatch(/IP Address:127\.0\.0\.1/);
    expect(cert.keyUsage ?? []).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']));
    expect(statSync(identity.keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(identity.certFile, 'utf8')).toBe(identity.certificatePem);
    // A workload's identity, as the member's CA wrote it: signed in, it is refused on a person's routes.
    expect(workloadOf(cert)).toBe('mpc-node');
    const verified = verifyAgainstDirectory(cert, [{ mspId: MEMBER, role: 'VSP', name: MEMBER, status: 'active', caCertPem: mspRoot }]);
    expect(verified).toMatchObject({ enrollmentId: 'd1.v1.nodeid-mpc', workload: 'mpc-node' });
    const principal = { mspId: MEMBER, enrollmentId: verified.enrollmentId, role: 'VSP' as const, workload: 'mpc-node', certificateFingerprint: verified.fingerprint };
    expect(() => admit(principal, 'participant')).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(admit(principal, 'participantOrWorkload')).toBe(principal);

    // Reused: the same certificate, even with no credentials to reach the CA at all.
    const again = await new FabricCaNodeIdentityIssuer({ ...settings, secretFile: join(scratch, 'absent') }).issue(dir, 'd1.v1.nodeid-mpc');
    expect(again.certificatePem).toBe(identity.certificatePem);
  });

  it("issues as the domain's OS user, as its provisioner runs: it reads the secret and writes the node's files, its own", () => {
    const user = osUser(findDomain(ctx, MEMBER).osUser);
    // A folder of the user's own, outside the root-only scratch folder (as its work folder is).
    const home = mkdtempSync(join(tmpdir(), 'node-identity-user-'));
    cleanUp.push(home);
    chownSync(home, user.uid, user.gid);
    const dir = join(home, 'node');
    const script = `const { FabricCaNodeIdentityIssuer } = require('./services/provisioner/src/provisioning/node-identity.adapter');
      new FabricCaNodeIdentityIssuer(JSON.parse(process.env.SETTINGS)).issue(process.env.DIR, 'd1.v1.nodeid-user')
        .then((i) => process.stdout.write(i.certificatePem), (e) => { process.stderr.write(String(e)); process.exit(1); });`;
    const run = spawnSync('runuser', ['-u', findDomain(ctx, MEMBER).osUser, '--', process.execPath, '-r', '@swc-node/register', '-e', script], {
      cwd: REPO_DIR,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, SETTINGS: JSON.stringify(settings), DIR: dir },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.stderr.trim()).toBe('');
    expect(run.status).toBe(0);
    const cert = new X509Certificate(run.stdout);
    expect(cert.subject.split('\n')).toContain('CN=d1.v1.nodeid-user');
    expect(cert.checkIssued(new X509Certificate(mspRoot))).toBe(true);
    for (const f of ['mpc-node.key', 'mpc-node.crt', 'mpc-ca.crt']) expect(statSync(join(dir, f)).uid).toBe(user.uid);
    expect(statSync(join(dir, 'mpc-node.key')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  }, 150000);

  it('gives each node its own CN, and issues a node name again (a new key) in a fresh folder', async () => {
    const issuer = new FabricCaNodeIdentityIssuer(settings);
    const b = await issuer.issue(join(scratch, 'node-b'), 'd1.v1.nodeid-mpc-b');
    expect(new X509Certificate(b.certificatePem).subject.split('\n')).toContain('CN=d1.v1.nodeid-mpc-b');
    // The name is registered already: the enroller gives it a fresh secret and enrols the new key.
    const a2 = await issuer.issue(join(scratch, 'node-a2'), 'd1.v1.nodeid-mpc');
    const first = readFileSync(join(scratch, 'node-a', 'mpc-node.crt'), 'utf8');
    expect(a2.certificatePem).not.toBe(first);
    expect(new X509Certificate(a2.certificatePem).checkPrivateKey(createPrivateKey(readFileSync(a2.keyFile)))).toBe(true);
    expect(new X509Certificate(a2.certificatePem).checkIssued(new X509Certificate(mspRoot))).toBe(true);
  });

  it('refuses with a clear error, naming neither secret, on a wrong secret and when the CA cannot be reached', async () => {
    const wrong = join(scratch, 'wrong-secret');
    writeFileSync(wrong, 'mpc-node:not-the-secret-42\n', { mode: 0o600 });
    const refused = await new FabricCaNodeIdentityIssuer({ ...settings, secretFile: wrong }).issue(join(scratch, 'node-c'), 'd1.v1.nodeid-mpc-c').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NodeIdentityError);
    expect(refused).toMatchObject({ code: 'CA_REFUSED' });
    expect((refused as Error).message).toMatch(new RegExp(`${CA_NAME} .*refused enrolling mpc-node \\(HTTP 401\\)`));
    expect((refused as Error).message).not.toContain('not-the-secret-42');
    expect(existsSync(join(scratch, 'node-c', 'mpc-node.key'))).toBe(false);

    const away = await new FabricCaNodeIdentityIssuer({ ...settings, url: `https://127.0.0.1:${await closedPort()}` }).issue(join(scratch, 'node-d'), 'd1.v1.nodeid-mpc-d').catch((e: unknown) => e);
    expect(away).toMatchObject({ name: 'NodeIdentityError', code: 'CA_UNREACHABLE' });
    expect((away as Error).message).toMatch(/cannot be reached .*ECONNREFUSED/);
    expect((away as Error).message).not.toContain(readFileSync(settings.secretFile, 'utf8').split(':')[1]!.trim());
  });

  it("registers the enroller anew when its secret file was lost (a new secret that works, the old one refused)", async () => {
    const old = readFileSync(settings.secretFile, 'utf8');
    const kept = join(scratch, 'old-secret');
    writeFileSync(kept, old, { mode: 0o600 });
    rmSync(settings.secretFile);
    const relaunched = settingsOf(await memberServiceLaunch(ctx, stackConnection(), MEMBER, 'provisioner'));
    expect(readFileSync(relaunched.secretFile, 'utf8')).not.toBe(old);
    const fresh = await new FabricCaNodeIdentityIssuer(relaunched).issue(join(scratch, 'node-e'), 'd1.v1.nodeid-mpc-e');
    expect(new X509Certificate(fresh.certificatePem).checkIssued(new X509Certificate(mspRoot))).toBe(true);
    await expect(new FabricCaNodeIdentityIssuer({ ...relaunched, secretFile: kept }).issue(join(scratch, 'node-f'), 'd1.v1.nodeid-mpc-f')).rejects.toMatchObject({ code: 'CA_REFUSED' });
  });
});
