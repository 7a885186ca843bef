import { X509Certificate } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { parseMpcMeshFile, type MpcMeshFile } from '@datawell/contracts';

/**
 * The node's mesh file (MPC_NODE_MESH_FILE): written by its member's provisioner once the ledger names
 * the mesh, so it may appear, or be rewritten, while the node waits. The node watches its folder
 * (fs.watch: the provisioner renames the file into place) and looks again when something changed
 * there, with a slow poll besides for an event missed; it polls every 2 s where the folder cannot be
 * watched. It reads the file again only when it changed, until it parses.
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
  /** The poll when the folder cannot be watched; default 2000 ms. */
  readonly intervalMs?: number;
  /** The poll beside a watch, for an event missed; default 60 000 ms. */
  readonly watchedIntervalMs?: number;
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
  // Set by the watch on any change of the file (or of the folder, when the platform does not name it); cleared before each look.
  let changed = false;
  let wake: (() => void) | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(file), { persistent: false }, (_event, name) => {
      if (name !== null && name !== basename(file)) return;
      changed = true;
      wake?.();
    });
    watcher.on('error', () => {
      watcher?.close();
      watcher = undefined;
    });
  } catch {
    watcher = undefined;
  }
  try {
    for (;;) {
      changed = false;
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
      if (changed) continue;
      await new Promise<void>((resolve, reject) => {
        const signal = o.signal;
        const end = () => {
          clearTimeout(timer);
          wake = undefined;
          signal?.removeEventListener('abort', abort);
        };
        const abort = () => {
          end();
          reject(signal?.reason instanceof Error ? signal.reason : new Error('the wait for the mesh file was aborted'));
        };
        const timer = setTimeout(() => (end(), resolve()), watcher ? (o.watchedIntervalMs ?? 60_000) : (o.intervalMs ?? 2000));
        wake = () => (end(), resolve());
        if (signal?.aborted) return abort();
        signal?.addEventListener('abort', abort, { once: true });
      });
    }
  } finally {
    watcher?.close();
  }
}

/** Throws MeshIdentityError unless the mesh's own party is pinned to `ownCertificatePem` (the same DER). */
export function checkOwnParty(file: string, mesh: MpcMeshFile, ownCertificatePem: string): void {
  const own = new X509Certificate(ownCertificatePem).raw;
  if (!own.equals(new X509Certificate(mesh.parties[mesh.index]!.certificatePem).raw)) throw new MeshIdentityError(file, mesh.index);
}
