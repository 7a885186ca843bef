import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { files, privateKeysIn, spki } from './key-scan';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { connect } from 'node:tls';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { OPERATOR_DOMAIN, addDomain, addOrgToChannel, admitOrganisation, anchorPeersOf, createChannel, domainPaths, findDomain, isAlive, joinOwnPeer, memberFabric, memberConsolePort, memberKafkaCredentials, memberServicePorts, operatorFabric, ownPeerChannels, ownPeerHeight, parkDomain, readMspPackage, readPid, status, up, verifyMspPackage, waitFor, type DomainStatus } from '../../src';
import { loadSettings } from '../../src/settings';
import { silentProgress } from '../../src/progress';
import { fabricDirs, findOrg, loadRegistry, OPERATOR_ORG } from '../../src/fabric/layout';
import { peerLedgerChannels, peerProcess } from '../../src/fabric/nodes';
import { caPid } from '../../src/fabric/ca';
import { domainPostgres, domainRedis } from '../../src/domains/domains';
import { kafkaBrokers, principalFile } from '../../src/components/kafka-principals';
import { createKafka, readKafkaCredentialsFile } from '@datawell/config';

const REPO = join(__dirname, '..', '..', '..', '..');
const ctx = { settings: loadSettings(REPO), progress: silentProgress };
const MEMBER = 'DomainTestDspMSP';
const OTHER = 'DomainTestVspMSP';

function uidOf(user: string): number {
  return Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
}

function processUid(pid: number): number {
  return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

function runAs(user: string, file: string) {
  return spawnSync('runuser', ['-u', user, '--', 'cat', file], { encoding: 'utf8' });
}

describe('trust domains on one machine', () => {
  let entry: DomainStatus;
  beforeAll(async () => {
    await addDomain(ctx, MEMBER, 'DSP');
    await addDomain(ctx, OTHER, 'VSP');
    entry = (await status(ctx)).domains.find((d) => d.name === MEMBER) as DomainStatus;
  }, 300000);

  it('gives a member domain its own OS user and a folder only that user can read (mode 0700)', () => {
    const d = findDomain(ctx, MEMBER);
    expect(d.osUser).toBe('dw-domaintestdspmsp');
    const uid = uidOf(d.osUser);
    expect(uid).toBeGreaterThan(0);
    const root = statSync(domainPaths(ctx.settings, MEMBER).root);
    expect(root.mode & 0o777).toBe(0o700);
    expect(root.uid).toBe(uid);
    // No login shell.
    expect(spawnSync('getent', ['passwd', d.osUser], { encoding: 'utf8' }).stdout.trim()).toMatch(/:\/usr\/sbin\/nologin$/);
  });

  it("runs the domain's PostgreSQL, Redis, CA and peer as its user, and lists them in the stack status", () => {
    const uid = uidOf(findDomain(ctx, MEMBER).osUser);
    const org = findOrg(loadRegistry(fabricDirs(ctx.settings)), MEMBER);
    const pids = {
      postgres: Number(readFileSync(domainPostgres(ctx, findDomain(ctx, MEMBER)).pidFile, 'utf8')),
      redis: Number(readFileSync(domainRedis(ctx, findDomain(ctx, MEMBER)).pidFile, 'utf8')),
      ca: caPid(ctx, org) as number,
      peer: Number(readFileSync(peerProcess(ctx, org).pidFile, 'utf8')),
    };
    for (const pid of Object.values(pids)) expect(processUid(pid)).toBe(uid);
    // Control: the operator's peer is not the member's user.
    expect(processUid(Number(readFileSync(peerProcess(ctx, OPERATOR_ORG).pidFile, 'utf8')))).not.toBe(uid);
    expect(entry.osUser).toBe('dw-domaintestdspmsp');
    expect(entry.folder).toBe(domainPaths(ctx.settings, MEMBER).root);
    expect(entry.processes.map((p) => [p.name, p.pid, p.user])).toEqual([
      [`postgres@${MEMBER}`, pids.postgres, 'dw-domaintestdspmsp'],
      [`redis@${MEMBER}`, pids.redis, 'dw-domaintestdspmsp'],
      ['ca-domaintestdsp', pids.ca, 'dw-domaintestdspmsp'],
      ['peer0.domaintestdsp', pids.peer, 'dw-domaintestdspmsp'],
      // Its member-mode services: listed, not started here.
      [`ledger-bridge@${MEMBER}`, undefined, undefined],
      [`telemetry@${MEMBER}`, undefined, undefined],
      [`provisioner@${MEMBER}`, undefined, undefined],
      [`console@${MEMBER}`, undefined, undefined],
    ]);
    expect(entry.database.port).toBe(findDomain(ctx, MEMBER).ports.postgres);
    expect(entry.kafka.principal).toBe(`member-${MEMBER}`);
    const ports = memberServicePorts(ctx.settings, findDomain(ctx, MEMBER).index);
    expect(entry.serviceUrls).toEqual({
      'ledger-bridge': `http://127.0.0.1:${ports['ledger-bridge']}`,
      telemetry: `http://127.0.0.1:${ports.telemetry}`,
      provisioner: `http://127.0.0.1:${ports.provisioner}`,
      console: `http://127.0.0.1:${memberConsolePort(ctx.settings, findDomain(ctx, MEMBER).index)}`,
    });
  });

  it("serves SQL and Redis with the domain's own passwords, and refuses a client without them", async () => {
    const d = findDomain(ctx, MEMBER);
    const pg = domainPostgres(ctx, d);
    const client = new Client({ host: '127.0.0.1', port: pg.port, user: 'datawell', password: pg.password, database: 'datawell' });
    await client.connect();
    try {
      const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
      expect(rows[0]?.data_directory).toBe(join(domainPaths(ctx.settings, MEMBER).postgres, 'data'));
    } finally {
      await client.end();
    }
    const wrong = new Client({ host: '127.0.0.1', port: pg.port, user: 'datawell', password: 'datawell-dev', database: 'datawell' });
    await expect(wrong.connect()).rejects.toThrow(/password authentication failed/);
    const rd = domainRedis(ctx, d);
    const withPassword = new Redis({ port: rd.port, password: rd.password as string, lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await withPassword.connect();
      expect(await withPassword.ping()).toBe('PONG');
    } finally {
      withPassword.disconnect();
    }
    // A client without the password, in Redis's own protocol.
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = createConnection({ host: '127.0.0.1', port: rd.port }, () => socket.write('PING\r\n'));
      socket.once('data', (b) => (resolve(b.toString()), socket.destroy()));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^-NOAUTH/);
  });

  it("creates the domain's Kafka principal with its credentials in the domain's folder, and the broker accepts them", async () => {
    const file = join(domainPaths(ctx.settings, MEMBER).secrets, 'kafka.json');
    const st = statSync(file);
    expect([st.mode & 0o777, st.uid]).toEqual([0o600, uidOf(findDomain(ctx, MEMBER).osUser)]);
    const credentials = readKafkaCredentialsFile(file);
    expect(credentials.username).toBe(`member-${MEMBER}`);
    expect(entry.kafka).toEqual({ principal: `member-${MEMBER}`, credentials: 'created' });
    const admin = createKafka({ clientId: 'domains-test', brokers: kafkaBrokers(ctx), sasl: credentials, retries: 0 }).admin();
    await admin.connect();
    try {
      expect((await admin.describeCluster()).brokers.length).toBeGreaterThan(0);
    } finally {
      await admin.disconnect();
    }
    // Control: the same principal with another password is refused.
    const wrong = createKafka({ clientId: 'domains-test', brokers: kafkaBrokers(ctx), sasl: { ...credentials, password: 'not-the-password' }, retries: 0 }).admin();
    await expect(wrong.connect()).rejects.toThrow(/authentication failed/i);
    // The tooling (tests, scenarios) asking for the member's credentials gets the domain's own: it sets
    // no second password for the principal (the broker keeps one, and the domain's services would be
    // refused), and keeps no copy in the operator's folder.
    expect(await memberKafkaCredentials(ctx, MEMBER)).toEqual(credentials);
    expect(existsSync(principalFile(ctx, `member-${MEMBER}`))).toBe(false);
    const again = createKafka({ clientId: 'domains-test', brokers: kafkaBrokers(ctx), sasl: credentials, retries: 0 }).admin();
    await again.connect();
    await again.disconnect();
  });

  it("keeps the member's private keys in its folder only: none in the operator's domain nor elsewhere in the stack folder", () => {
    const memberRoot = domainPaths(ctx.settings, MEMBER).root;
    const memberKeys = privateKeysIn(files(memberRoot));
    // Positive control: the scan finds the keys of the CA, the peer (MSP and TLS) and the admin, and
    // they are the keys of the member's certificates.
    const fabric = join(memberRoot, 'fabric');
    const certs = ['ca/ca-cert.pem', 'nodes/peer0/msp/signcerts/cert.pem', 'nodes/peer0/tls/server.crt', 'users/admin/msp/signcerts/cert.pem'];
    for (const c of certs) expect(memberKeys.has(spki(new X509Certificate(readFileSync(join(fabric, c))).publicKey))).toBe(true);
    // The key files are the member's own, unreadable to others.
    for (const file of memberKeys.values()) expect(statSync(file).uid).toBe(uidOf(findDomain(ctx, MEMBER).osUser));
    const elsewhere = privateKeysIn(files(ctx.settings.stackDir, [memberRoot]));
    // Control on the other side: the scan does find the keys the stack holds itself (the operator's).
    expect(elsewhere.size).toBeGreaterThan(0);
    const leaked = [...memberKeys.keys()].filter((k) => elsewhere.has(k)).map((k) => elsewhere.get(k));
    expect(leaked).toEqual([]);
    // And the operator's connection file names no organisation of a domain.
    expect(readFileSync(join(ctx.settings.stackDir, 'connection.json'), 'utf8')).not.toContain(MEMBER);
  });

  it('publishes a public MSP package that verifies: certificates parse and chain, the peer serves TLS under its TLS CA', async () => {
    const pkg = readMspPackage(ctx, MEMBER);
    expect(() => verifyMspPackage(pkg)).not.toThrow();
    expect(JSON.stringify(pkg)).not.toMatch(/PRIVATE KEY/);
    const root = new X509Certificate(pkg.cacerts[0] as string);
    const fabric = join(domainPaths(ctx.settings, MEMBER).root, 'fabric');
    const peerCert = new X509Certificate(readFileSync(join(fabric, 'nodes/peer0/msp/signcerts/cert.pem')));
    expect(peerCert.checkIssued(root) && peerCert.verify(root.publicKey)).toBe(true);
    // Control: the operator's CA did not issue it.
    const operatorCa = new X509Certificate(readFileSync(join(fabricDirs(ctx.settings).caHome(OPERATOR_ORG), 'ca-cert.pem')));
    expect(peerCert.verify(operatorCa.publicKey)).toBe(false);
    const handshake = (ca: string) =>
      new Promise<boolean>((resolve) => {
        const [host, port] = pkg.peer.endpoint.split(':');
        const socket = connect({ host: host === 'localhost' ? '127.0.0.1' : host, port: Number(port), ca, servername: pkg.peer.hostAlias, ALPNProtocols: ['h2'] }, () => {
          resolve(socket.authorized);
          socket.destroy();
        });
        socket.on('error', () => resolve(false));
      });
    expect(await handshake(pkg.tlscacerts[0] as string)).toBe(true);
    expect(await handshake(operatorCa.toString())).toBe(false);
    // A tampered package is refused.
    expect(() => verifyMspPackage({ ...pkg, peer: { ...pkg.peer, tlsCaCert: operatorCa.toString() } })).toThrow(/peer's TLS CA is not one of its tlscacerts/);
    expect(() => verifyMspPackage({ ...pkg, cacerts: [peerCert.toString()] })).toThrow(/not a CA certificate/);
  });

  it("keeps another domain's user out of the folder, while its owner and the public package stay readable", () => {
    const secret = join(domainPaths(ctx.settings, MEMBER).fabric, 'ca-registrar.secret');
    const other = findDomain(ctx, OTHER).osUser;
    const owner = findDomain(ctx, MEMBER).osUser;
    const denied = runAs(other, secret);
    expect(denied.status).not.toBe(0);
    expect(denied.stderr).toMatch(/Permission denied/);
    const key = [...privateKeysIn(files(join(domainPaths(ctx.settings, MEMBER).fabric, 'nodes'))).values()][0] as string;
    expect(runAs(other, key).status).not.toBe(0);
    // Positive controls: the owner reads both; anyone reads the public package.
    expect(runAs(owner, secret).status).toBe(0);
    expect(runAs(owner, key).stdout).toMatch(/PRIVATE KEY/);
    expect(runAs(other, join(domainPaths(ctx.settings, MEMBER).publicDir, 'msp-package.json')).stdout).toContain(`"mspId": "${MEMBER}"`);
  });

  it("lets no other domain's user reach a PostgreSQL socket (local connections are trusted there)", () => {
    const psql = (user: string, socketDir: string, port: number) => spawnSync('runuser', ['-u', user, '--', 'psql', '-h', socketDir, '-p', String(port), '-U', 'datawell', '-tAc', 'SELECT 1', 'postgres'], { encoding: 'utf8' });
    const member = domainPostgres(ctx, findDomain(ctx, MEMBER));
    const other = findDomain(ctx, OTHER).osUser;
    const stack = loadSettings(REPO);
    // Positive control: the owner connects through its own socket.
    expect(psql(findDomain(ctx, MEMBER).osUser, join(member.home, 'run'), member.port).stdout.trim()).toBe('1');
    expect(psql(other, join(member.home, 'run'), member.port).status).not.toBe(0);
    // The stack's own is the operator's domain's: its user connects through its socket.
    expect(psql(findDomain(ctx, OPERATOR_DOMAIN).osUser, join(stack.stackDir, 'postgres', 'run'), stack.ports.postgres).stdout.trim()).toBe('1');
    expect(psql('postgres', join(stack.stackDir, 'postgres', 'run'), stack.ports.postgres).status).not.toBe(0);
    expect(psql(other, join(stack.stackDir, 'postgres', 'run'), stack.ports.postgres).status).not.toBe(0);
  });

  it("refuses to act as a member domain's admin: its peer joins channels and approves chaincode only in its domain", async () => {
    await expect(createChannel(ctx, 'domains-test', [MEMBER, OTHER])).rejects.toThrow(/DomainTestDspMSP is held in its own domain: form the channel from its MSP package/);
    await expect(addOrgToChannel(ctx, 'marketplace', MEMBER)).rejects.toThrow(/held in its own domain: admit it from its MSP package/);
  });

  it('is idempotent: adding the domain again keeps its record and processes, and a different role is refused', async () => {
    const before = (await status(ctx)).domains.find((d) => d.name === MEMBER);
    const again = await addDomain(ctx, MEMBER, 'DSP');
    expect(again.domain).toEqual(findDomain(ctx, MEMBER));
    const after = (await status(ctx)).domains.find((d) => d.name === MEMBER);
    expect(after?.processes).toEqual(before?.processes);
    await expect(addDomain(ctx, MEMBER, 'VSP')).rejects.toThrow(/exists already with role DSP, not VSP/);
  });

  it("parks a domain: its CA and stores stop and stay stopped across up, its peer runs on as its anchor with its channels paused, the stack stays healthy, and adding it again takes it up with the same keys and resumes its channels", async () => {
    const org = findOrg(loadRegistry(fabricDirs(ctx.settings)), OTHER);
    const p = domainPaths(ctx.settings, OTHER);
    const running = () => ({
      peer: isAlive(readPid(peerProcess(ctx, org).pidFile)),
      ca: caPid(ctx, org) !== undefined,
      postgres: isAlive(readPid(join(p.run, 'postgres.pid'))),
      redis: isAlive(readPid(join(p.run, 'redis.pid'))),
    });
    const all = (v: boolean) => ({ peer: v, ca: v, postgres: v, redis: v });
    // A stopped peer's gossip state outlives it in the others' peers and makes peers joining later
    // drop every state snapshot (domains.ts parkDomain): the peer of a parked domain keeps running.
    const parkedSet = { ...all(false), peer: true };
    const cert = readFileSync(join(fabricDirs(ctx.settings).adminMsp(org), 'signcerts', 'cert.pem'), 'utf8');
    expect(running()).toEqual(all(true));
    // On the marketplace channel (admitted by the operator from its package) its peer is its anchor.
    await admitOrganisation(ctx, 'marketplace', readMspPackage(ctx, OTHER));
    const anchors = () => anchorPeersOf(operatorFabric(ctx), 'marketplace', OTHER);
    const own = [{ host: 'localhost', port: Number(peerProcess(ctx, org).endpoint.split(':')[1]) }];
    expect(await anchors()).toEqual(own);
    // Its peer serves marketplace (joined as its own admin, as its bridge does).
    const ownFabric = memberFabric(ctx, OTHER);
    await joinOwnPeer(ownFabric, 'marketplace');
    expect(await ownPeerChannels(ownFabric)).toContain('marketplace');

    expect(await parkDomain(ctx, OTHER)).toBe(true);
    expect(running()).toEqual(parkedSet);
    expect(await anchors()).toEqual(own);
    // Paused: the peer holds the ledger but no longer serves (pulls, validates) the channel.
    expect(peerLedgerChannels(ctx, org)).toContain('marketplace');
    expect(await ownPeerChannels(ownFabric)).not.toContain('marketplace');
    await up(ctx);
    expect(running()).toEqual(parkedSet);
    const parked = await status(ctx);
    expect(parked.healthy).toBe(true);
    expect(parked.domains.find((d) => d.name === OTHER)?.parked).toBe(true);
    const detail = (name: string) => parked.components.find((c) => c.name === name)?.detail;
    expect([detail(`postgres@${OTHER}`), detail(`redis@${OTHER}`), detail(`ca-${org.slug}`)]).toEqual(Array(3).fill(expect.stringMatching(/^parked with domain DomainTestVspMSP/)));
    expect(parked.components.find((c) => c.name === peerProcess(ctx, org).name)).toMatchObject({ healthy: true, detail: expect.not.stringMatching(/parked/) });
    // The other domain is untouched.
    expect(parked.domains.find((d) => d.name === MEMBER)?.parked).toBe(false);
    await expect(parkDomain(ctx, 'operator')).rejects.toThrow(/cannot be parked/);

    await addDomain(ctx, OTHER, 'VSP');
    expect(running()).toEqual(all(true));
    expect(await anchors()).toEqual(own);
    // Resumed: served again, and it catches up with the channel.
    expect(await ownPeerChannels(ownFabric)).toContain('marketplace');
    const operatorHeight = await ownPeerHeight(operatorFabric(ctx), 'marketplace');
    await waitFor('the resumed peer to catch up with marketplace', async () => (await ownPeerHeight(ownFabric, 'marketplace')) >= operatorHeight, 60_000);
    expect((await status(ctx)).domains.find((d) => d.name === OTHER)?.parked).toBe(false);
    expect(readFileSync(join(fabricDirs(ctx.settings).adminMsp(org), 'signcerts', 'cert.pem'), 'utf8')).toBe(cert);
  });
});
