import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseMpcMeshFile, type MpcMeshFile } from '@datawell/contracts';

/**
 * The node's mesh file (MPC_NODE_MESH_FILE): written by its member's provisioner once the ledger names
 * the mesh, so it may appear, or be rewritten, while the node waits. The node polls it (a stat every
 * interval; it reads it again only when it changed) until it parses.
 */

/** The mesh file's party `index` is not this node's certificate: the node was given someone else's mesh. */
export class MeshIdentityError extends Error {
  override readonly name = 'MeshIdentityError';
  readonly code = 'MESH_IDENTITY_MISMATCH' as const;

  constructor(
    readonly file: string,
    readonly index: number,
  ) {
    super(`the mesh file ${file} gives party ${index} a certificate that is not this node's (MPC_NODE_TLS_CERT_FILE)`);
  }
}

export interface MeshFileWait {
  readonly intervalMs?: number;
  readonly signal?: AbortSignal;
  /** Told once per distinct problem of a file that exists but cannot be read as a mesh yet. */
  readonly onProblem?: (problem: string) => void;
}

/** Resolves with the mesh file once it exists and parses; rejects only when `signal` aborts. */
export async function waitForMeshFile(file: string, o: MeshFileWait = {}): Promise<MpcMeshFile> {
  let seen: string | undefined;
  let told: string | undefined;
  const tell = (problem: string) => {
    if (problem !== told) o.onProblem?.(problem);
    told = problem;
  };
  for (;;) {
    try {
      const st = await stat(file);
      const version = `${st.ino}:${st.size}:${st.mtimeMs}`;
      if (version !== seen) {
        const text = await readFile(file, 'utf8');
        // Read: not read again until it changes (a file that cannot be read yet is tried again).
        seen = version;
        return parseMpcMeshFile(text);
      }
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      if (e.code !== 'ENOENT') tell(e.code ? `cannot read it: ${e.code}` : e.message);
    }
    await sleep(o.intervalMs ?? 2000, undefined, o.signal ? { signal: o.signal } : {});
  }
}

/** Throws MeshIdentityError unless the mesh's own party is pinned to `ownCertificatePem` (the same DER). */
export function checkOwnParty(file: string, mesh: MpcMeshFile, ownCertificatePem: string): void {
  const own = new X509Certificate(ownCertificatePem).raw;
  if (!own.equals(new X509Certificate(mesh.parties[mesh.index]!.certificatePem).raw)) throw new MeshIdentityError(file, mesh.index);
}
