/**
 * glibc's malloc tunable for an MPC node's process: allocations of 1 MiB and more get a mapping of
 * their own, returned to the system when freed. An offline step allocates and frees large buffers
 * (the OT extension's AES outputs, the batches of COPE and Gilboa); with glibc's default (a
 * threshold that rises to 32 MiB after the first such free) they are carved from the heap, and a
 * node at rest kept 464-525 MB resident with a full stock of 20,000 triples, 330 MB of it freed heap
 * glibc did not give back. With this, 260-321 MB (docs/mpc.md, "Memory of a node at rest").
 */
export const MPC_NODE_GLIBC_TUNABLES = 'glibc.malloc.mmap_threshold=1048576';

/**
 * The environment an MPC node process starts with: `base` (its parent's), the node's tunable unless
 * `base` sets GLIBC_TUNABLES itself (a person's own choice is kept), and the node's settings.
 */
export function mpcNodeProcessEnv(base: NodeJS.ProcessEnv, nodeSettings: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  return { ...base, GLIBC_TUNABLES: base['GLIBC_TUNABLES'] ?? MPC_NODE_GLIBC_TUNABLES, ...nodeSettings };
}
