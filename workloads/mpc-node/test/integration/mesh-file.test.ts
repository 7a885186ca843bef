import { spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, randomBytes, sign, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parametersDigest, renderMpcMeshFile, resultDigest, type MpcMeshFile } from '@datawell/contracts';
import { computationRequestSigningText, outdatedComputationRequestSigningText } from '@datawell/domain';
import { createMpcCa, issueMpcCertificate, type MpcCa } from '@datawell/mpc';
import { freePort, REPO_DIR } from '@datawell/testing';
import { enrol, memberCa, type MemberIdentity } from './member-pki';

/**
 * Nodes in their members' domains (issue 12): a node process started with MPC_NODE_MESH_FILE serves
 * its control API at once and waits for its mesh file; once the file names it, it connects to the
 * parties it pins, each with a certificate from its own member's CA (the same CN for all).
 */
jest.setTimeout(240_000);

interface NodeProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

function startNode(env: Record<string, string>): NodeProcess {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'workloads/mpc-node/src/main.ts'], { cwd: REPO_DIR, env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function stop(node: NodeProcess): Promise<void> {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return;
  node.child.kill('SIGTERM');
  const timer = setTimeout(() => node.child.kill('SIGKILL'), 5000);
  await node.exited;
  clearTimeout(timer);
}

interface Caller {
  readonly key: string;
  readonly cert: string;
}

/** A call to a node's control API as `caller`, trusting the node's certificate from its member's CA. */
function call(port: number, caller: Caller, nodeCa: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      { host: '127.0.0.1', port, method, path, key: caller.key, cert: caller.cert, ca: nodeCa, checkServerIdentity: () => undefined, headers: text ? { 'content-type': 'application/json' } : {} },
      (res) => {
        let data = '';
        res.on('data', (d: Buffer) => (data += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const v = await Promise.resolve(probe()).catch((error: unknown) => void (last = error));
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last: ${String(last)})` : ''}; the nodes said:\n${nodes.map((n) => n.output()).join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The node processes of the running test (stopped after it; their output explains a timeout). */
const nodes: NodeProcess[] = [];

const count = (text: string, needle: string) => text.split(needle).length - 1;

interface StandInRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization?: string;
  readonly body: Record<string, unknown>;
}

/**
 * A stand-in for a Datawell service's HTTP contract as a node meets it (a member's ledger bridge, the
 * operator's coordinator): the platform's login, checked as libs/auth checks it (the exact challenge's
 * ECDSA-SHA256 signature against the certificate presented, which must be `identity`'s), then
 * `answer` for every other route, with the bearer token required. A unit-level stand-in over a real
 * socket: the real member bridge and coordinator are the domains e2e's.
 */
async function standIn(identity: string, answer: (req: StandInRequest, n: number) => { status: number; body: unknown }) {
  const requests: StandInRequest[] = [];
  const challenges = new Set<string>();
  let routed = 0;
  const read = (req: IncomingMessage) =>
    new Promise<Record<string, unknown>>((resolve) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString('utf8')));
      req.on('end', () => resolve(text ? (JSON.parse(text) as Record<string, unknown>) : {}));
    });
  const server: Server = createServer((req, res) => {
    void read(req).then((body) => {
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      const path = req.url ?? '';
      if (path === '/auth/challenge') {
        const challenge = randomBytes(16).toString('base64url');
        challenges.add(challenge);
        return send(201, { challenge, expiresAt: new Date(Date.now() + 60_000).toISOString() });
      }
      if (path === '/auth/token') {
        const cert = new X509Certificate(String(body['certificatePem']));
        const ok = challenges.delete(String(body['challenge'])) && cert.raw.equals(new X509Certificate(identity).raw) && verify('sha256', Buffer.from(String(body['challenge']), 'utf8'), cert.publicKey, Buffer.from(String(body['signature']), 'base64'));
        return ok ? send(201, { token: 'tok', expiresAt: new Date(Date.now() + 3600_000).toISOString() }) : send(401, { code: 'UNAUTHENTICATED', message: 'bad login' });
      }
      if (req.headers.authorization !== 'Bearer tok') return send(401, { code: 'UNAUTHENTICATED', message: 'no token' });
      const r: StandInRequest = { method: req.method ?? '', path, authorization: req.headers.authorization, body };
      requests.push(r);
      const out = answer(r, ++routed);
      return send(out.status, out.body);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close: () => new Promise<void>((done) => server.close(() => done())) };
}

describe('an MPC node with a mesh file', () => {
  let dir: string;
  let cas: MpcCa[];
  let members: MemberIdentity[];
  /** A person of ProducerMSP (enrolled at its CA), who signs its computation requests (issue 12). */
  let requester: MemberIdentity;
  /**
   * The op's ledger part with the requester's signature over its fields, the dataset readings with
   * column y and 16 fractional bits (every op here), for request id `requestId`; `v1` signs the outdated text.
   */
  const signedLedger = <L extends { daoId: string; version: number; computation: string; requester: string; recipients: string[]; owner: string }>(l: L, requestId: string, v1 = false) => {
    const issuedAtMs = Date.now();
    const fields = { requestId, issuedAtMs, daoId: l.daoId, version: l.version, computation: l.computation, dataset: 'readings', recipients: l.recipients, requester: l.requester };
    const text = v1 ? outdatedComputationRequestSigningText(fields) : computationRequestSigningText({ ...fields, owner: l.owner, parametersDigest: parametersDigest({ columns: ['y'], fractionalBits: 16 }) });
    return { ...l, request: { requestId, issuedAtMs, certificatePem: requester.cert, signature: sign('sha256', Buffer.from(text, 'utf8'), createPrivateKey(requester.key)).toString('base64') } };
  };
  /** What a member's bridge answers of the version's channel: each organisation's root CA (the requester's CA check). */
  const channelAnswer = () => ({ status: 200, body: { daoId: 'd1', version: 1, channel: 'dao-d1-v1', organisations: ['DspMSP', 'ProducerMSP'], rootCertificates: { ProducerMSP: [cas[0]!.cert], DspMSP: [cas[1]!.cert] }, source: 'fabric-channel-config' } });
  let coordinatorCa: MpcCa;
  let coordinator: Caller;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mpc-mesh-file-'));
    cas = await Promise.all(['producer', 'dsp'].map(memberCa));
    // Each member's node, enrolled under the same enrolment id at its own member's CA.
    members = await Promise.all(cas.map((ca) => enrol(ca, 'mpc-node')));
    requester = await enrol(cas[0]!, 'producer-analyst');
    coordinatorCa = await createMpcCa('coordinator-ca', 1);
    coordinator = await issueMpcCertificate(coordinatorCa, 'mpc-coordinator', 1);
    members.forEach((m, i) => {
      writeFileSync(join(dir, `node-${i}.key`), m.key, { mode: 0o600 });
      writeFileSync(join(dir, `node-${i}.pem`), m.cert);
    });
    writeFileSync(join(dir, 'coordinator-ca.pem'), coordinatorCa.cert);
  });
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map(stop));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Each test's own mesh files, none there yet.
  let test = 0;
  beforeEach(() => void test++);
  const nodeEnv = async (i: number, extra: Record<string, string> = {}) => ({
    MPC_NODE_MESH_FILE: join(dir, `mesh-${test}-${i}.json`),
    MPC_NODE_TLS_KEY_FILE: join(dir, `node-${i}.key`),
    MPC_NODE_TLS_CERT_FILE: join(dir, `node-${i}.pem`),
    MPC_NODE_CONTROL_PORT: String(await freePort()),
    MPC_NODE_CONTROL_CA_FILE: join(dir, 'coordinator-ca.pem'),
    MPC_NODE_KERNEL_WORKERS: '1',
    ...extra,
  });
  const meshOf = (index: number, ports: readonly number[], certificates = members.map((m) => m.cert)): MpcMeshFile => ({
    index,
    parties: members.map((m, j) => ({ name: `member-${j}/mpc-node`, endpoint: `127.0.0.1:${ports[j]}`, certificatePem: certificates[j]!, caCertificatePem: m.caCert })),
  });
  /** As the provisioner writes it: a temporary file renamed over the mesh file. */
  const writeAtomically = (file: string, text: string) => {
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  };

  it('answers NODE_NOT_READY while it waits, tells each distinct problem of the file once, and exits 2 on a mesh whose own party is not its certificate', async () => {
    const env = await nodeEnv(0, { MPC_NODE_CONTROL_CLIENT_NAMES: 'mpc-coordinator' });
    const node = startNode(env);
    nodes.push(node);
    const port = Number(env.MPC_NODE_CONTROL_PORT);
    const waiting = await until('the control API', () => call(port, coordinator, cas[0]!.cert, 'GET', '/inventory'));
    expect(waiting).toEqual({ status: 503, body: { code: 'NODE_NOT_READY', message: `the node is waiting for its mesh file ${env.MPC_NODE_MESH_FILE}` } });

    // A half-written file: told once, however often it is seen again, and the node keeps waiting.
    writeFileSync(env.MPC_NODE_MESH_FILE, '{"index":0,"parties":[');
    await until('the problem to be told', () => (node.output().includes('the mesh file is not JSON') ? true : undefined));
    utimesSync(env.MPC_NODE_MESH_FILE, new Date(), new Date(Date.now() + 5000));
    await new Promise((r) => setTimeout(r, 4500));
    expect(count(node.output(), 'mesh file not usable yet')).toBe(1);
    writeFileSync(env.MPC_NODE_MESH_FILE, JSON.stringify({ index: 0, parties: [] }));
    await until('the second problem to be told', () => (node.output().includes('parties must be an array of at least two parties') ? true : undefined));
    expect(count(node.output(), 'mesh file not usable yet')).toBe(2);
    expect(node.child.exitCode).toBeNull();
    expect((await call(port, coordinator, cas[0]!.cert, 'GET', '/inventory')).status).toBe(503);

    // Party 0 pinned to the other member's certificate: someone else's mesh, a configuration error.
    writeAtomically(env.MPC_NODE_MESH_FILE, renderMpcMeshFile(meshOf(0, [7001, 7002], [members[1]!.cert, members[1]!.cert])));
    expect(await node.exited).toBe(2);
    expect(node.output()).toMatch(/"code":"MESH_IDENTITY_MISMATCH"/);
    expect(node.output()).not.toContain('BEGIN CERTIFICATE');
  });

  it("connects two members' nodes from their mesh files, pinned, and refuses a party's certificate on the control API", async () => {
    const meshPorts = [await freePort(), await freePort()];
    // The control CA here also issued party 0's certificate: only the pin tells the party from a caller with the same CN.
    writeFileSync(join(dir, 'control-ca.pem'), `${coordinatorCa.cert}${cas[0]!.cert}`);
    const envs = [await nodeEnv(0, { MPC_NODE_CONTROL_CA_FILE: join(dir, 'control-ca.pem') }), await nodeEnv(1)];
    for (const env of envs) nodes.push(startNode(env));
    const ports = envs.map((e) => Number(e.MPC_NODE_CONTROL_PORT));
    for (const [i, port] of ports.entries()) {
      const r = await until(`node ${i}'s control API`, () => call(port, coordinator, cas[i]!.cert, 'GET', '/inventory'));
      expect(r.body['code']).toBe('NODE_NOT_READY');
    }

    envs.forEach((env, i) => writeAtomically(env.MPC_NODE_MESH_FILE, renderMpcMeshFile(meshOf(i, meshPorts))));
    const inventories = await Promise.all(
      ports.map((port, i) => until(`node ${i} to set up MASCOT`, async () => {
        const r = await call(port, coordinator, cas[i]!.cert, 'GET', '/inventory');
        return r.status === 200 ? r.body : undefined;
      }, 180_000)),
    );
    expect(inventories.map((inv) => [inv['party'], inv['parties']])).toEqual([[0, 2], [1, 2]]);

    // Both nodes run an operation in lockstep over their pinned channels.
    const op = { opId: 'pre-1', kind: 'preprocess', triples: 16, masks: [{ owner: 1, n: 4 }] };
    const done = await Promise.all(ports.map((port, i) => call(port, coordinator, cas[i]!.cert, 'POST', '/ops', op)));
    for (const [i, r] of done.entries()) {
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ opId: 'pre-1', party: i });
      expect((r.body['inventory'] as { triples: number; masks: number[] }).triples).toBeGreaterThanOrEqual(16);
      expect((r.body['inventory'] as { triples: number; masks: number[] }).masks[1]).toBeGreaterThanOrEqual(4);
    }

    // Party 0's own certificate chains to node 0's control CA, but a party may not call: 403.
    const asParty = await call(ports[0]!, { key: members[0]!.key, cert: members[0]!.cert }, cas[0]!.cert, 'GET', '/inventory');
    expect(asParty).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    // Another certificate of that CA with the same CN is no party's: it may call.
    const sameCn = await enrol(cas[0]!, 'mpc-node');
    expect((await call(ports[0]!, sameCn, cas[0]!.cert, 'GET', '/inventory')).status).toBe(200);
    // Node 1's control CA is the coordinator's only: a member certificate does not even complete the handshake.
    await expect(call(ports[1]!, sameCn, cas[1]!.cert, 'GET', '/inventory')).rejects.toThrow();
    for (const node of nodes) expect(node.output()).toContain('"message":"mesh connected"');
  });

  it('with MPC_NODE_LEDGER_URL refuses a compute op its ledger cannot allow without touching the mesh, and serves the next op', async () => {
    const meshPorts = [await freePort(), await freePort()];
    // Nothing listens there: the member's bridge is down (the real check, with real bridges, is the domains e2e's).
    const bridge = `http://127.0.0.1:${await freePort()}`;
    const envs = [await nodeEnv(0, { MPC_NODE_LEDGER_URL: bridge }), await nodeEnv(1, { MPC_NODE_LEDGER_URL: bridge })];
    for (const env of envs) nodes.push(startNode(env));
    const ports = envs.map((e) => Number(e.MPC_NODE_CONTROL_PORT));
    const owners = ['ProducerMSP', 'DspMSP'];
    // Node 0's file names every party's member; node 1's names none.
    const withOwners = (mesh: MpcMeshFile): MpcMeshFile => ({ ...mesh, parties: mesh.parties.map((p, j) => ({ ...p, owner: owners[j]! })) });
    for (const i of envs.keys()) await until(`node ${i}'s control API`, () => call(ports[i]!, coordinator, cas[i]!.cert, 'GET', '/inventory'));
    envs.forEach((env, i) => writeAtomically(env.MPC_NODE_MESH_FILE, renderMpcMeshFile(i === 0 ? withOwners(meshOf(0, meshPorts)) : meshOf(1, meshPorts))));
    await Promise.all(
      ports.map((port, i) => until(`node ${i} to set up MASCOT`, async () => ((await call(port, coordinator, cas[i]!.cert, 'GET', '/inventory')).status === 200 ? true : undefined), 180_000)),
    );
    const ops = (op: unknown) => Promise.all(ports.map((port, i) => call(port, coordinator, cas[i]!.cert, 'POST', '/ops', op)));
    const compute = { kind: 'compute', program: 'mean', owner: 1, recipients: [0], dataset: { name: 'readings', columns: ['y'] }, fractionalBits: 16 };
    const ledger = { daoId: 'd1', version: 1, computation: 'mean', requester: 'ProducerMSP', recipients: ['ProducerMSP'], owner: 'DspMSP' };

    // An op that does not say what it is for: refused by both.
    const bare = await ops({ opId: 'cmp-bare', ...compute });
    for (const r of bare) expect(r).toEqual({ status: 403, body: { code: 'NOT_ALLOWED', check: 'ledger', message: expect.stringMatching(/^check ledger: the op does not say what it is for/) } });
    // Party indices that are not the members the op names (node 0); a mesh file without owners (node 1).
    const swapped = await ops({ opId: 'cmp-swapped', ...compute, owner: 0, recipients: [1], ledger: signedLedger(ledger, 'cmp-swapped') });
    expect(swapped.map((r) => [r.status, r.body['code'], r.body['check']])).toEqual([
      [403, 'NOT_ALLOWED', 'op-parties'],
      [403, 'NOT_ALLOWED', 'mesh-owners'],
    ]);
    // Parties that fit: node 0 asks its bridge, which does not answer; node 1 still has no owners.
    const fits = await ops({ opId: 'cmp-fits', ...compute, ledger: signedLedger(ledger, 'cmp-fits') });
    expect(fits[0]).toMatchObject({ status: 503, body: { code: 'LEDGER_UNAVAILABLE', message: expect.stringMatching(/cannot read its member's ledger: the ledger bridge did not answer POST \/auth\/challenge/) } });
    expect(fits[1]).toMatchObject({ status: 403, body: { code: 'NOT_ALLOWED', check: 'mesh-owners' } });
    // A coordinator that passes on the signed request with another column, or a request signed as the
    // outdated v1 (no parameters, no owner): node 0 refuses it from the signature, before asking its bridge.
    const otherColumn = await ops({ opId: 'cmp-column', ...compute, dataset: { name: 'readings', columns: ['x'] }, ledger: signedLedger(ledger, 'cmp-column') });
    expect(otherColumn[0]).toEqual({ status: 403, body: { code: 'NOT_ALLOWED', check: 'requester-signature', message: expect.stringMatching(/^check requester-signature: REQUEST_SIGNATURE_INVALID: /) } });
    const outdated = await ops({ opId: 'cmp-v1', ...compute, ledger: signedLedger(ledger, 'cmp-v1', true) });
    expect(outdated[0]).toEqual({ status: 403, body: { code: 'NOT_ALLOWED', check: 'requester-signature', message: expect.stringMatching(/^check requester-signature: REQUEST_SIGNATURE_OUTDATED: the request is signed as datawell\.computation-request\.v1/) } });

    // Nothing went over the mesh: it is connected and in step, and runs the next op on both nodes.
    const next = await ops({ opId: 'pre-after', kind: 'preprocess', triples: 8, masks: [] });
    expect(next.map((r) => [r.status, r.body['opId'], r.body['party']])).toEqual([
      [200, 'pre-after', 0],
      [200, 'pre-after', 1],
    ]);
    // A retried refused op id gets its first answer.
    expect((await ops({ opId: 'cmp-bare', ...compute }))[0]).toEqual(bare[0]);
    const log = nodes[0]!.output();
    expect(log).toContain('"message":"ledger check: refused","opId":"cmp-bare","code":"NOT_ALLOWED","check":"ledger"');
    expect(log).toContain('"message":"ledger check: ledger unavailable","opId":"cmp-fits","code":"LEDGER_UNAVAILABLE"');
    expect(log).not.toContain('"message":"operation started","opId":"cmp-swapped"');
    for (const node of nodes) expect(node.output()).not.toContain('mesh failed');
  });

  /** Version 1 of d1 as the members' ledgers have it: the mean to ProducerMSP allowed; ProducerMSP party 0, DspMSP (the data owner) party 1. */
  const meanVersion = {
    daoId: 'd1',
    version: 1,
    terms: { computations: [{ name: 'mean', resultRecipients: ['ProducerMSP'] }] },
    memberStates: [
      { mspId: 'ProducerMSP', role: 'VSP', group: 'J1', status: 'active' },
      { mspId: 'DspMSP', role: 'DSP', group: 'D', status: 'active' },
    ],
  };
  const meshOwners = ['ProducerMSP', 'DspMSP'];
  const meanCompute = { kind: 'compute', program: 'mean', owner: 1, recipients: [0], dataset: { name: 'readings', columns: ['y'] }, fractionalBits: 16 };
  const meanLedger = { daoId: 'd1', version: 1, computation: 'mean', requester: 'ProducerMSP', recipients: ['ProducerMSP'], owner: 'DspMSP' };

  /** Each member's bridge (a stand-in): version 1's state as `state(i)` answers it for member i, the channel's roots, results taken. */
  const memberBridges = (state: (i: number) => { status: number; body: unknown }) =>
    Promise.all(
      members.map((m, i) =>
        standIn(m.cert, (r) => {
          if (r.method === 'GET' && r.path === '/daos/d1/versions/1/state') return state(i);
          if (r.method === 'GET' && r.path === '/daos/d1/versions/1/channel') return channelAnswer();
          if (r.method === 'POST' && r.path.endsWith('/result')) return { status: 201, body: {} };
          return { status: 404, body: { code: 'NOT_FOUND', message: r.path } };
        }),
      ),
    );

  /**
   * Two members' nodes, each asking its own bridge, node 1 the data owner of `readings` (`csv`, in a
   * file of its own): `start` starts both and waits until their mesh (from mesh files naming the
   * owners) has set up MASCOT; `ops` sends an op to both as the coordinator.
   */
  const twoMemberNodes = async (bridges: ReadonlyArray<{ url: string }>, csvName: string, csv: string) => {
    const meshPorts = [await freePort(), await freePort()];
    writeFileSync(join(dir, csvName), csv);
    const envs = [
      await nodeEnv(0, { MPC_NODE_LEDGER_URL: bridges[0]!.url }),
      await nodeEnv(1, { MPC_NODE_LEDGER_URL: bridges[1]!.url, MPC_NODE_DATASETS: JSON.stringify({ readings: { file: join(dir, csvName) } }) }),
    ];
    const ports = envs.map((e) => Number(e.MPC_NODE_CONTROL_PORT));
    const start = async () => {
      for (const env of envs) nodes.push(startNode(env));
      for (const i of envs.keys()) await until(`node ${i}'s control API`, () => call(ports[i]!, coordinator, cas[i]!.cert, 'GET', '/inventory'));
      envs.forEach((env, i) => writeAtomically(env.MPC_NODE_MESH_FILE, renderMpcMeshFile({ ...meshOf(i, meshPorts), parties: meshOf(i, meshPorts).parties.map((p, j) => ({ ...p, owner: meshOwners[j]! })) })));
      await Promise.all(
        ports.map((port, i) => until(`node ${i} to set up MASCOT`, async () => ((await call(port, coordinator, cas[i]!.cert, 'GET', '/inventory')).status === 200 ? true : undefined), 180_000)),
      );
    };
    const ops = (op: unknown) => Promise.all(ports.map((port, i) => call(port, coordinator, cas[i]!.cert, 'POST', '/ops', op)));
    return { start, ops };
  };

  it('runs an op on neither node when their ledgers disagree (one refuses, one cannot be read): both answer, the mesh stays in step and runs the next op', async () => {
    // Node 0's bridge allows the computation; node 1's first has no such version, then is down, then allows it.
    let second: 'missing' | 'down' | 'allows' = 'missing';
    const bridges = await memberBridges((i) => {
      if (i === 1 && second === 'missing') return { status: 404, body: { code: 'VERSION_NOT_FOUND', message: 'no such version' } };
      if (i === 1 && second === 'down') return { status: 503, body: { code: 'LEDGER_UNAVAILABLE', message: 'peer down' } };
      return { status: 200, body: meanVersion };
    });
    try {
      const { start, ops } = await twoMemberNodes(bridges, 'readings.csv', 'y\n1234.5\n2345.25\n3456.75\n');
      await start();
      const compute = meanCompute;
      const ledger = meanLedger;

      // Node 0 would take part, node 1's ledger refuses: node 1 answers its refusal, node 0 PARTY_REFUSED naming it.
      const split = await ops({ opId: 'cmp-split', ...compute, ledger: signedLedger(ledger, 'cmp-split') });
      expect(split[0]).toEqual({
        status: 409,
        body: { code: 'PARTY_REFUSED', refusedBy: [{ party: 1, code: 'NOT_ALLOWED', check: 'ledger' }], message: 'party 1 (NOT_ALLOWED, check ledger) refused to take part in op cmp-split: no node ran it' },
      });
      expect(split[1]).toMatchObject({ status: 403, body: { code: 'NOT_ALLOWED', check: 'ledger' } });

      // Node 1's bridge down: 503 there, PARTY_REFUSED at node 0; every refusal was an unreadable ledger, so both forget the op.
      second = 'down';
      const down = await ops({ opId: 'cmp-down', ...compute, ledger: signedLedger(ledger, 'cmp-down') });
      expect(down[0]).toMatchObject({ status: 409, body: { code: 'PARTY_REFUSED', refusedBy: [{ party: 1, code: 'LEDGER_UNAVAILABLE' }] } });
      expect(down[1]).toMatchObject({ status: 503, body: { code: 'LEDGER_UNAVAILABLE' } });

      // The mesh is in step: the retried op runs on both nodes and gives the mean; the refused one stays refused.
      second = 'allows';
      const retried = await ops({ opId: 'cmp-down', ...compute, ledger: signedLedger(ledger, 'cmp-down') });
      expect(retried.map((r) => [r.status, r.body['opId'], r.body['party'], r.body['rows']])).toEqual([
        [200, 'cmp-down', 0, 3],
        [200, 'cmp-down', 1, 3],
      ]);
      const delivered = bridges[0]!.requests.filter((r) => r.method === 'POST');
      expect(delivered.map((r) => r.path)).toEqual(['/daos/d1/versions/1/computations/cmp-down/result']);
      expect((delivered[0]!.body['result'] as { mean: number }).mean).toBeCloseTo(2345.5, 3);
      expect(retried[0]!.body).toMatchObject({ delivered: true, resultDigest: delivered[0]!.body['resultDigest'] });
      expect((await ops({ opId: 'cmp-split', ...compute, ledger: signedLedger(ledger, 'cmp-split') })).map((r) => r.status)).toEqual([409, 403]);
      const next = await ops({ opId: 'pre-after', kind: 'preprocess', triples: 8, masks: [] });
      expect(next.map((r) => r.status)).toEqual([200, 200]);

      const log = nodes[0]!.output();
      expect(log).toContain('"message":"agreement: not run","opId":"cmp-split","kind":"compute","refusedBy":[{"party":1,"code":"NOT_ALLOWED","check":"ledger"}]');
      expect(log).not.toContain('"message":"operation started","opId":"cmp-split"');
      for (const node of nodes) {
        expect(node.output()).not.toContain('mesh failed');
        expect(node.output()).not.toMatch(/2345\.|1234\.5|3456\.75/);
      }
    } finally {
      await Promise.all(bridges.map((b) => b.close()));
    }
  });

  it('refuses a replayed request id after both nodes restarted (the ids it took part in are in its folder), and takes a new one', async () => {
    const bridges = await memberBridges(() => ({ status: 200, body: meanVersion }));
    try {
      const { start: startMesh, ops } = await twoMemberNodes(bridges, 'replay-readings.csv', 'y\n10\n20\n');
      const compute = meanCompute;
      const ledger = signedLedger(meanLedger, 'req-once');

      await startMesh();
      expect((await ops({ opId: 'cmp-once', ...compute, ledger })).map((r) => [r.status, r.body['rows']])).toEqual([
        [200, 2],
        [200, 2],
      ]);
      // Both nodes stop and start again on the same folders (a restart within the request's window).
      await Promise.all(nodes.splice(0).map(stop));
      await startMesh();
      // The coordinator (or anyone who saw the op) replays the signed request under another op id: each node refuses it from its file.
      const replayed = await ops({ opId: 'cmp-replayed', ...compute, ledger });
      for (const r of replayed) expect(r).toMatchObject({ status: 403, body: { code: 'NOT_ALLOWED', check: 'requester-signature', message: expect.stringMatching(/req-once was taken part in already \(op cmp-once\)/) } });
      expect(nodes[0]!.output()).toContain('"message":"ledger check: refused","opId":"cmp-replayed","code":"NOT_ALLOWED","check":"requester-signature"');
      // The restarted mesh works: a new request of the same requester is taken.
      const fresh = await ops({ opId: 'cmp-new', ...compute, ledger: signedLedger(meanLedger, 'req-new') });
      expect(fresh.map((r) => r.status)).toEqual([200, 200]);
    } finally {
      await Promise.all(bridges.map((b) => b.close()));
    }
  });

  it("in its member's domain registers itself at the coordinator, and delivers a result to its member's bridge, answering the coordinator with the digest only", async () => {
    const owners = meshOwners;
    const state = meanVersion;
    // Each member's bridge (stand-ins, see standIn): the version's state, and results (503 once, then taken; the second job refused).
    let firstResults = 0;
    const bridges = await Promise.all(
      members.map((m) =>
        standIn(m.cert, (r) => {
          if (r.method === 'GET' && r.path === '/daos/d1/versions/1/state') return { status: 200, body: state };
          if (r.method === 'GET' && r.path === '/daos/d1/versions/1/channel') return channelAnswer();
          if (r.method === 'POST' && r.path === '/daos/d1/versions/1/computations/cmp-1/result') {
            return ++firstResults === 1 ? { status: 503, body: { code: 'LEDGER_UNAVAILABLE', message: 'try again' } } : { status: 201, body: { jobId: 'cmp-1' } };
          }
          if (r.method === 'POST' && r.path === '/daos/d1/versions/1/computations/cmp-2/result') return { status: 409, body: { code: 'RESULT_CONFLICT', message: 'another digest' } };
          return { status: 404, body: { code: 'NOT_FOUND', message: r.path } };
        }),
      ),
    );
    // The coordinator: it has not seen the version yet (404) for each node's first try.
    const registrations: StandInRequest[] = [];
    const coordinators = await Promise.all(
      members.map((m) =>
        standIn(m.cert, (r) => {
          registrations.push(r);
          return registrations.filter((x) => x.body['partyIndex'] === r.body['partyIndex']).length === 1 ? { status: 404, body: { code: 'VERSION_NOT_FOUND', message: 'unknown' } } : { status: 200, body: { mspId: 'x' } };
        }),
      ),
    );
    try {
      const meshPorts = [await freePort(), await freePort()];
      writeFileSync(join(dir, 'readings.csv'), 'y\n1234.5\n2345.25\n3456.75\n');
      const deadKafka = `127.0.0.1:${await freePort()}`;
      const envs = await Promise.all(
        [0, 1].map(async (i) => {
          const controlPort = String(await freePort());
          return nodeEnv(i, {
            MPC_NODE_CONTROL_PORT: controlPort,
            MPC_NODE_LEDGER_URL: bridges[i]!.url,
            MPC_NODE_COORDINATOR_URL: coordinators[i]!.url,
            MPC_NODE_CONTROL_URL: `https://127.0.0.1:${controlPort}`,
            // The version it registers for comes with the heartbeat variables; no broker listens (heartbeats are not this test's).
            MPC_NODE_WORKLOAD_ID: `d1-v1-node-${i}`,
            MPC_NODE_WORKLOAD_KEY_FILE: join(dir, `node-${i}.key`),
            MPC_NODE_DAO_ID: 'd1',
            MPC_NODE_DAO_VERSION: '1',
            MPC_NODE_OWNER: owners[i]!,
            MPC_NODE_KAFKA_BROKERS: deadKafka,
            MPC_NODE_HEARTBEAT_INTERVAL_MS: '600000',
            ...(i === 1 ? { MPC_NODE_DATASETS: JSON.stringify({ readings: { file: join(dir, 'readings.csv') } }) } : {}),
          });
        }),
      );
      for (const env of envs) nodes.push(startNode(env));
      const ports = envs.map((e) => Number(e.MPC_NODE_CONTROL_PORT));
      for (const i of envs.keys()) await until(`node ${i}'s control API`, () => call(ports[i]!, coordinator, cas[i]!.cert, 'GET', '/inventory'));
      envs.forEach((env, i) => writeAtomically(env.MPC_NODE_MESH_FILE, renderMpcMeshFile({ ...meshOf(i, meshPorts), parties: meshOf(i, meshPorts).parties.map((p, j) => ({ ...p, owner: owners[j]! })) })));

      // Registered once the mesh is set up, after the coordinator's 404, each with its own identity.
      await until('both nodes to register', () => (registrations.filter((r) => r.method === 'PUT').length >= 4 ? true : undefined), 180_000);
      for (const i of [0, 1]) {
        const mine = registrations.filter((r) => r.body['partyIndex'] === i);
        expect(mine.map((r) => `${r.method} ${r.path}`)).toEqual(['PUT /daos/d1/versions/1/nodes', 'PUT /daos/d1/versions/1/nodes']);
        expect(Object.keys(mine[1]!.body).sort()).toEqual(['certificatePem', 'controlUrl', 'partyIndex']);
        expect(mine[1]!.body['controlUrl']).toBe(`https://127.0.0.1:${ports[i]}`);
        expect(new X509Certificate(String(mine[1]!.body['certificatePem'])).raw.equals(new X509Certificate(members[i]!.cert).raw)).toBe(true);
        // Each node logged in at its member's coordinator stand-in with its own key: the stand-in checked the signature.
        expect(coordinators[i]!.requests.every((r) => r.body['partyIndex'] === i)).toBe(true);
        expect(nodes[i]!.output()).toContain('"message":"registered at the coordinator"');
        expect(count(nodes[i]!.output(), '"message":"registration at the coordinator failed"')).toBe(1);
      }

      const ops = (op: unknown) => Promise.all(ports.map((port, i) => call(port, coordinator, cas[i]!.cert, 'POST', '/ops', op)));
      const compute = { kind: 'compute', program: 'mean', owner: 1, recipients: [0], dataset: { name: 'readings', columns: ['y'] }, fractionalBits: 16 };
      const ledger = { daoId: 'd1', version: 1, computation: 'mean', requester: 'ProducerMSP', recipients: ['ProducerMSP'], owner: 'DspMSP' };
      const answers = await ops({ opId: 'cmp-1', ...compute, ledger: signedLedger(ledger, 'cmp-1') });
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      // The recipient's node delivered it (after one 503) to its member's bridge and tells the coordinator the digest only.
      const posts = bridges[0]!.requests.filter((r) => r.method === 'POST');
      expect(posts).toHaveLength(2);
      const delivered = posts[1]!.body;
      // With what the recipient's bridge records of the request in the data owner's usage trail (RecordUsage, granted).
      expect(Object.keys(delivered).sort()).toEqual(['computation', 'dataset', 'members', 'parametersDigest', 'recipients', 'requester', 'result', 'resultDigest', 'rows']);
      expect(delivered).toMatchObject({ computation: 'mean', members: ['ProducerMSP', 'DspMSP'], requester: { mspId: 'ProducerMSP' }, dataset: { owner: 'DspMSP', name: 'readings' }, recipients: ['ProducerMSP'], rows: 3 });
      expect(delivered['parametersDigest']).toBe(parametersDigest({ columns: ['y'], fractionalBits: 16 }));
      expect(delivered['resultDigest']).toBe(resultDigest(delivered['result']));
      expect(JSON.stringify(delivered['result'])).toMatch(/2345\.\d/);
      expect(answers[0]!.body).toMatchObject({ opId: 'cmp-1', party: 0, rows: 3, resultDigest: delivered['resultDigest'], delivered: true });
      expect(answers[0]!.body).not.toHaveProperty('result');
      expect(answers[1]!.body).not.toHaveProperty('result');
      expect(answers[1]!.body).not.toHaveProperty('resultDigest');
      expect(bridges[1]!.requests.filter((r) => r.method === 'POST')).toEqual([]);

      // A bridge that refuses (4xx): not retried, the op answered 502 RESULT_NOT_DELIVERED with its code; the mesh goes on.
      const refused = await ops({ opId: 'cmp-2', ...compute, ledger: signedLedger(ledger, 'cmp-2') });
      expect(refused[0]).toMatchObject({ status: 502, body: { code: 'RESULT_NOT_DELIVERED', message: expect.stringContaining('RESULT_CONFLICT') } });
      expect(refused[1]!.status).toBe(200);
      expect(bridges[0]!.requests.filter((r) => r.path.endsWith('/cmp-2/result'))).toHaveLength(1);
      const next = await ops({ opId: 'pre-next', kind: 'preprocess', triples: 8, masks: [] });
      expect(next.map((r) => r.status)).toEqual([200, 200]);

      const log = nodes[0]!.output();
      expect(log).toContain(`"message":"result delivered","opId":"cmp-1","resultDigest":"${String(delivered['resultDigest'])}"`);
      expect(log).toContain('"message":"result not delivered","opId":"cmp-2"');
      // No value in any log: neither the readings nor the result.
      for (const node of nodes) {
        expect(node.output()).not.toMatch(/2345\.|1234\.5|3456\.75/);
        expect(node.output()).not.toContain('BEGIN CERTIFICATE');
      }
    } finally {
      await Promise.all([...bridges, ...coordinators].map((b) => b.close()));
    }
  });
});
