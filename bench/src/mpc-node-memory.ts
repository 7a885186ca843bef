/**
 * Memory of MPC nodes at rest: starts a mesh of serving node processes (workloads/mpc-node, as the
 * workload program runs them: no extra node flags) on loopback, waits for their set-up, fills their
 * stock as the coordinator does (one preprocess op: MPC_COORDINATOR_STOCK_TRIPLES' default 20,000
 * triples and 20,000 masks per party), lets them rest and prints, per node: RSS and its parts from
 * /proc (anonymous, file-backed), threads, and what the node reports of itself on SIGUSR2
 * (process.memoryUsage, V8 heap spaces; mpc-node-memory.probe.ts). Run with
 *   node -r @swc-node/register bench/src/mpc-node-memory.ts [--parties 3] [--workers <n>] [--triples 20000] [--masks 20000] [--rest 20]
 * `--workers` sets MPC_NODE_KERNEL_WORKERS (default: unset, every core).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createMpcCa, generateTestPki, issueMpcCertificate } from '@datawell/mpc';

const REPO_DIR = resolve(__dirname, '..', '..');

function arg(name: string, fallback: string | undefined): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((done) => s.listen(0, '127.0.0.1', done));
  const port = (s.address() as { port: number }).port;
  await new Promise((done) => s.close(done));
  return port;
}


/** RSS and its parts (kB lines of /proc/<pid>/status) and the thread count. */
function procMemory(pid: number): Record<string, number> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  // WebAssembly memories are reservations of 4 GiB and more (with their guard regions): their resident part.
  let wasmKb = 0;
  let size = 0;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const m = /^(Size|Rss):\s+(\d+) kB/.exec(line);
    if (m?.[1] === 'Size') size = Number(m[2]);
    else if (m?.[1] === 'Rss' && size >= 4 * 1024 * 1024) wasmKb += Number(m[2]);
  }
  return { rssMb: Math.round(kb('VmRSS') / 1024), anonMb: Math.round(kb('RssAnon') / 1024), fileMb: Math.round(kb('RssFile') / 1024), wasmMb: Math.round(wasmKb / 1024), hwmMb: Math.round(kb('VmHWM') / 1024), threads: kb('Threads') };
}

async function main(): Promise<void> {
  const parties = Number(arg('parties', '3'));
  const workers = arg('workers', undefined);
  const triples = Number(arg('triples', '20000'));
  const masks = Number(arg('masks', '20000'));
  const restS = Number(arg('rest', '20'));
  const dir = mkdtempSync(join(tmpdir(), 'datawell-mpc-memory-'));
  const children: ChildProcess[] = [];
  const reports = new Map<number, string[]>();
  process.once('SIGTERM', () => {
    for (const c of children) c.kill('SIGTERM');
    process.exit(1);
  });
  try {
    const pki = await generateTestPki(parties);
    const controlCa = await createMpcCa('control-ca', 1);
    const coordinator = await issueMpcCertificate(controlCa, 'coordinator', 1);
    writeFileSync(join(dir, 'ca.pem'), pki.caCert);
    writeFileSync(join(dir, 'control-ca.pem'), controlCa.cert);
    const meshPorts = await Promise.all(Array.from({ length: parties }, freePort));
    const controlPorts = await Promise.all(Array.from({ length: parties }, freePort));
    for (let i = 0; i < parties; i++) {
      writeFileSync(join(dir, `node-${i}.key`), pki.identities[i]!.key, { mode: 0o600 });
      writeFileSync(join(dir, `node-${i}.pem`), pki.identities[i]!.cert);
      const env = {
        PATH: process.env['PATH'] ?? '',
        MPC_NODE_INDEX: String(i),
        MPC_NODE_NAMES: pki.names.join(','),
        MPC_NODE_ENDPOINTS: meshPorts.map((p) => `127.0.0.1:${p}`).join(','),
        MPC_NODE_TLS_KEY_FILE: join(dir, `node-${i}.key`),
        MPC_NODE_TLS_CERT_FILE: join(dir, `node-${i}.pem`),
        MPC_NODE_TLS_CA_FILE: join(dir, 'ca.pem'),
        MPC_NODE_CONTROL_PORT: String(controlPorts[i]),
        MPC_NODE_CONTROL_CA_FILE: join(dir, 'control-ca.pem'),
        ...(workers !== undefined ? { MPC_NODE_KERNEL_WORKERS: workers } : {}),
      };
      const child = spawn(process.execPath, ['-r', '@swc-node/register', '-r', join(__dirname, 'mpc-node-memory.probe.ts'), 'workloads/mpc-node/src/main.ts'], { cwd: REPO_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
      reports.set(i, []);
      child.stderr!.on('data', (d: Buffer) => {
        for (const line of d.toString().split('\n')) if (line.startsWith('{"probe"')) reports.get(i)!.push(line);
          else if (line.trim()) process.stderr.write(`node ${i}: ${line}\n`);
      });
      child.stdout!.resume();
      children.push(child);
    }
    const control = (i: number, method: 'GET' | 'POST', path: string, body?: unknown) =>
      new Promise<{ status: number; body: unknown }>((done, fail) => {
        const text = body === undefined ? undefined : JSON.stringify(body);
        const req = request(
          { host: '127.0.0.1', port: controlPorts[i], method, path, key: coordinator.key, cert: coordinator.cert, ca: pki.caCert, checkServerIdentity: () => undefined, headers: text ? { 'content-type': 'application/json' } : {} },
          (res) => {
            let data = '';
            res.on('data', (c: Buffer) => (data += c.toString()));
            res.on('end', () => done({ status: res.statusCode ?? 0, body: JSON.parse(data) as unknown }));
          },
        );
        req.on('error', fail);
        req.end(text);
      });
    const snapshot = async (label: string) => {
      for (const [i, c] of children.entries()) {
        reports.get(i)!.length = 0;
        c.kill('SIGUSR2');
      }
      await new Promise((r) => setTimeout(r, 1500));
      for (const [i, c] of children.entries()) {
        const probe = JSON.parse(reports.get(i)!.at(-1) ?? '{"probe":{}}') as { probe: Record<string, unknown> };
        process.stdout.write(`${JSON.stringify({ at: label, node: i, load: loadavg().map((x) => x.toFixed(2)).join(' '), ...procMemory(c.pid!), ...probe.probe })}\n`);
      }
    };
    const t0 = Date.now();
    for (;;) {
      const ready = await Promise.all(children.map((_, i) => control(i, 'GET', '/inventory').then((r) => r.status === 200).catch(() => false)));
      if (ready.every(Boolean)) break;
      if (Date.now() - t0 > 300_000) throw new Error('the nodes did not set up in 5 minutes');
      await new Promise((r) => setTimeout(r, 500));
    }
    process.stdout.write(`set up in ${Date.now() - t0} ms\n`);
    await snapshot('set up');
    const op = { opId: 'stock-1', kind: 'preprocess', triples, masks: Array.from({ length: parties }, (_, owner) => ({ owner, n: masks })) };
    const t1 = Date.now();
    const outcomes = await Promise.all(children.map((_, i) => control(i, 'POST', '/ops', op)));
    process.stdout.write(`stock filled in ${Date.now() - t1} ms: ${JSON.stringify(outcomes.map((o) => o.status))} ${JSON.stringify((outcomes[0]!.body as { inventory?: unknown }).inventory)}\n`);
    await snapshot('stock full');
    await new Promise((r) => setTimeout(r, restS * 1000));
    await snapshot(`at rest ${restS} s`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exitCode = 1;
});

