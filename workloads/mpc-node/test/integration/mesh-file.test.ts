import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderMpcMeshFile, type MpcMeshFile } from '@datawell/contracts';
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

describe('an MPC node with a mesh file', () => {
  let dir: string;
  let cas: MpcCa[];
  let members: MemberIdentity[];
  let coordinatorCa: MpcCa;
  let coordinator: Caller;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mpc-mesh-file-'));
    cas = await Promise.all(['producer', 'dsp'].map(memberCa));
    // Each member's node, enrolled under the same enrolment id at its own member's CA.
    members = await Promise.all(cas.map((ca) => enrol(ca, 'mpc-node')));
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
    const swapped = await ops({ opId: 'cmp-swapped', ...compute, owner: 0, recipients: [1], ledger });
    expect(swapped.map((r) => [r.status, r.body['code'], r.body['check']])).toEqual([
      [403, 'NOT_ALLOWED', 'op-parties'],
      [403, 'NOT_ALLOWED', 'mesh-owners'],
    ]);
    // Parties that fit: node 0 asks its bridge, which does not answer; node 1 still has no owners.
    const fits = await ops({ opId: 'cmp-fits', ...compute, ledger });
    expect(fits[0]).toMatchObject({ status: 503, body: { code: 'LEDGER_UNAVAILABLE', message: expect.stringMatching(/cannot read its member's ledger: the ledger bridge did not answer POST \/auth\/challenge/) } });
    expect(fits[1]).toMatchObject({ status: 403, body: { code: 'NOT_ALLOWED', check: 'mesh-owners' } });

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
    expect(log).not.toContain('"opId":"cmp-swapped","kind":"compute"');
    for (const node of nodes) expect(node.output()).not.toContain('mesh failed');
  });
});
