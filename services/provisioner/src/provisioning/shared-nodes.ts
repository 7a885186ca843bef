import { activeWorkloads, type DesiredVersion } from './spec';

/** The kind of workload that runs Datawell's SPDZ node. */
export const MPC_NODE_KIND = 'mpc-node';

/** A member's MPC node as the provisioner keeps it (a workload row of some version of the DAO, not destroyed). */
export interface RunningNode {
  readonly workloadId: string;
  /** The version whose build runs it now. */
  readonly version: number;
  /** Its name in that version's spec. */
  readonly name: string;
}

/**
 * Which node each of a member's `mpc-node` workloads of a version is (member mode: one node per member
 * per DAO, shared by its versions). `ids`: the workload id (and so folder, ports, TLS identity and
 * readings key) a spec name runs under, when it is a node the member already runs; a name absent from
 * it gets a node of its own (`<daoId>-v<version>-<name>`). `handedOver`: names that get no node in this
 * version, because a later version of the DAO runs the member's node now.
 */
export interface SharedNodes {
  readonly ids: ReadonlyMap<string, string>;
  readonly handedOver: ReadonlySet<string>;
}

/**
 * Pure: one member's `mpc-node` workloads of `part` (that member's part of a version) against the nodes
 * it already runs for the DAO. A later version's node means this version has none of its own any more
 * (every name handed over). Otherwise a name keeps the node this version already runs under it, or takes
 * over a node of an earlier version (the one of the same name first, then in the order of the latest
 * version), so a member that sits in version k+1 keeps the node it ran for version k and only its mesh
 * changes. Within a version nothing changes: a revision that renames a node still replaces it.
 */
export function sharedNodesOf(part: DesiredVersion, running: readonly RunningNode[]): SharedNodes {
  const names = activeWorkloads(part)
    .filter((w) => w.kind === MPC_NODE_KIND)
    .map((w) => w.name);
  if (running.some((n) => n.version > part.version)) return { ids: new Map(), handedOver: new Set(names) };
  const ids = new Map<string, string>();
  const own = running.filter((n) => n.version === part.version);
  const earlier = running.filter((n) => n.version < part.version).sort((a, b) => b.version - a.version || (a.workloadId < b.workloadId ? -1 : 1));
  const unclaimed = (name: string) => earlier.find((n) => n.name === name) ?? earlier[0];
  for (const name of names) {
    const kept = own.find((n) => n.name === name);
    if (kept) {
      ids.set(name, kept.workloadId);
      continue;
    }
    const taken = unclaimed(name);
    if (!taken) continue;
    ids.set(name, taken.workloadId);
    earlier.splice(earlier.indexOf(taken), 1);
  }
  return { ids, handedOver: new Set() };
}
