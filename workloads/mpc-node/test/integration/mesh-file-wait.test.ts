import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderMpcMeshFile, type MpcMeshFile } from '@datawell/contracts';
import { createMpcCa, issueMpcCertificate } from '@datawell/mpc';
import { waitForMeshFile } from '../../src/mesh-file.adapter';

/**
 * A node waiting for its mesh file wakes on the file system's event (fs.watch on its folder), not on a
 * poll: both polls are set to 60 s below, so the waits would time out if the watch did not wake them.
 */
jest.setTimeout(30_000);

describe("a node's wait for its mesh file", () => {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-wait-'));
  const file = join(dir, 'mesh.json');
  let mesh: MpcMeshFile;

  beforeAll(async () => {
    const ca = await createMpcCa('mesh-wait-ca', 1);
    const [a, b] = await Promise.all([issueMpcCertificate(ca, 'a', 1), issueMpcCertificate(ca, 'b', 1)]);
    mesh = { index: 0, parties: [a, b].map((id, i) => ({ name: `p${i}`, endpoint: `127.0.0.1:${7000 + i}`, certificatePem: id.cert, caCertificatePem: ca.cert })) };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes the file as the provisioner does: a temporary file renamed into place. */
  const place = (text: string) => {
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  };

  it('reads the file as soon as it is renamed into place, and again after a file that does not parse yet', async () => {
    const problems: string[] = [];
    const t0 = Date.now();
    const waiting = waitForMeshFile(file, { intervalMs: 60_000, watchedIntervalMs: 60_000, onProblem: (p) => problems.push(p) });
    setTimeout(() => place('{"index":'), 300);
    // The whole file once the node has told the half one's problem (whatever the machine's load): each rename is an event of its own.
    const told = async (): Promise<void> => {
      while (problems.length === 0) await new Promise((r) => setTimeout(r, 50));
    };
    void told().then(() => place(renderMpcMeshFile(mesh)));
    await expect(waiting).resolves.toEqual(mesh);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(problems).toEqual(['the mesh file is not JSON']);
  });

  it('ends its wait when the node stops', async () => {
    rmSync(file, { force: true });
    const stop = new AbortController();
    const waiting = waitForMeshFile(file, { intervalMs: 60_000, watchedIntervalMs: 60_000, signal: stop.signal });
    setTimeout(() => stop.abort(), 200);
    await expect(waiting).rejects.toThrow();
  });
});
