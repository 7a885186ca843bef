import { createHash, randomBytes } from 'node:crypto';
import { InvalidArgumentError, ProtocolViolationError } from '../errors';
import type { Transport } from '../transport/transport';

/**
 * SoftSpoken OT extension (Roy, CRYPTO 2022): the κ = 128 base OTs are grouped into blocks of k; in
 * each block the party holding Δ (the OT-extension sender) learns all 2^k leaves of a GGM tree but
 * the one at its punctured point α (the block's k bits of Δ), which makes a small-field subspace
 * VOLE per block:
 *   the receiver (knows every leaf s_x):   u = ⊕_x G(s_x),  v_i = ⊕_{x_i = 1} G(s_x)
 *   the sender (knows every leaf but α):   w_i = ⊕_{x_i ≠ α_i} G(s_x) = v_i ⊕ α_i·u
 * The receiver sends c = u ⊕ r per block (128/k columns instead of IKNP's 128), and the sender sets
 * q_i = w_i ⊕ α_i·c = v_i ⊕ Δ_i·r: IKNP's correlation Q = T ⊕ r·Δ with T = v, so the KOS check, the
 * transpose, the hash and Gilboa stay as they are (ot-extension.ts). Here: parameters, the GGM trees
 * and their set-up message, and the column kernel shared by both sides (`fold`).
 */

/** Block sizes for parameter k: ⌈128/k⌉ blocks of k base OTs, the last one smaller when k ∤ 128. */
export function blockSizes(k: number, kappa = 128): number[] {
  if (!Number.isInteger(k) || k < 1 || k > 10) throw new InvalidArgumentError(`SoftSpoken k must be an integer in 1..10, got ${k}`);
  const sizes: number[] = [];
  for (let left = kappa; left > 0; left -= k) sizes.push(Math.min(k, left));
  return sizes;
}

/** The two children of a GGM node (a length-doubling PRG; set-up only, so SHA-256 is fast enough). */
function expand(node: Uint8Array): [Buffer, Buffer] {
  const h = createHash('sha256').update('datawell/mpc/softspoken/ggm/v1').update(node).digest();
  return [h.subarray(0, 16), h.subarray(16, 32)];
}

function xor16(a: Uint8Array, b: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(16);
  for (let i = 0; i < 16; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/**
 * A GGM tree of depth s from `root`: its 2^s leaves (leaf x: level ℓ = 1..s takes bit s − ℓ of x, so
 * node p at depth d has children 2p and 2p + 1) and, per level, the XOR of the left and of the right
 * children (sums[ℓ − 1] = [K⁰, K¹]).
 */
export function ggmTree(root: Uint8Array, s: number): { leaves: Buffer[]; sums: Array<[Buffer, Buffer]> } {
  let level: Buffer[] = [Buffer.from(root)];
  const sums: Array<[Buffer, Buffer]> = [];
  for (let l = 1; l <= s; l++) {
    const next: Buffer[] = [];
    let k0: Buffer = Buffer.alloc(16);
    let k1: Buffer = Buffer.alloc(16);
    for (const node of level) {
      const [c0, c1] = expand(node);
      next.push(c0, c1);
      k0 = xor16(k0, c0);
      k1 = xor16(k1, c1);
    }
    sums.push([k0, k1]);
    level = next;
  }
  return { leaves: level, sums };
}

/**
 * The punctured tree: every leaf but `alpha`'s (undefined there), from the level sums on the side
 * off α's path (known[ℓ − 1] = K^{¬a} with a the bit of α at level ℓ).
 */
export function ggmPunctured(known: readonly Uint8Array[], s: number, alpha: number): Array<Buffer | undefined> {
  let level: Array<Buffer | undefined> = [undefined]; // depth 0: the root, unknown
  for (let l = 1; l <= s; l++) {
    const a = (alpha >> (s - l)) & 1;
    const path = alpha >> (s - l + 1); // α's node at depth l − 1
    const next: Array<Buffer | undefined> = new Array(2 << (l - 1));
    // The sibling of α's node at depth l: K^{¬a} ⊕ the other known nodes on the ¬a side.
    let sibling: Buffer = Buffer.from(known[l - 1]!);
    level.forEach((node, p) => {
      if (p === path || node === undefined) return;
      const [c0, c1] = expand(node);
      next[2 * p] = c0;
      next[2 * p + 1] = c1;
      sibling = xor16(sibling, a ? c0 : c1);
    });
    next[2 * path + (1 - a)] = sibling;
    level = next;
  }
  return level;
}

/** The bits of Δ in block b (offset o, size s) as the punctured point: bit i of α is bit o + i of Δ. */
export function blockAlpha(delta: Uint8Array, o: number, s: number): number {
  let alpha = 0;
  for (let i = 0; i < s; i++) alpha |= ((delta[(o + i) >> 3]! >> ((o + i) & 7)) & 1) << i;
  return alpha;
}

/**
 * The receiver's side of the set-up (it is the sender of the base OTs, keys [k0, k1] per base OT):
 * a random GGM tree per block; sends, for base OT o + i (block at offset o of size s, level ℓ = s − i),
 * K⁰_ℓ ⊕ k0 ‖ K¹_ℓ ⊕ k1. Returns every block's leaves, in leaf order.
 */
export function softSpokenReceiverSetup(t: Transport, peer: number, keys: ReadonlyArray<readonly [Uint8Array, Uint8Array]>, sizes: readonly number[]): Buffer[][] {
  const msg = new Uint8Array(32 * keys.length);
  const leaves: Buffer[][] = [];
  let o = 0;
  for (const s of sizes) {
    const tree = ggmTree(randomBytes(16), s);
    for (let i = 0; i < s; i++) {
      const [k0, k1] = tree.sums[s - i - 1]!;
      msg.set(xor16(k0, keys[o + i]![0]), 32 * (o + i));
      msg.set(xor16(k1, keys[o + i]![1]), 32 * (o + i) + 16);
    }
    leaves.push(tree.leaves);
    o += s;
  }
  t.send(peer, msg);
  return leaves;
}

/**
 * The sender's side: base OT o + i was received with choice bit ¬Δ_{o+i} (key `keys[o + i]`), which
 * opens the level sum off α's path. Returns per block the leaves in the order y = x ⊕ α for
 * y = 1 .. 2^s − 1 (the order `fold` takes them in, y = 0 being the punctured leaf).
 */
export async function softSpokenSenderSetup(t: Transport, peer: number, keys: readonly Uint8Array[], delta: Uint8Array, sizes: readonly number[]): Promise<Buffer[][]> {
  const msg = await t.receive(peer);
  if (msg.length !== 32 * keys.length) throw new ProtocolViolationError(`SoftSpoken set-up: bad tree message from ${peer}`, peer);
  const out: Buffer[][] = [];
  let o = 0;
  for (const s of sizes) {
    const alpha = blockAlpha(delta, o, s);
    const known = Array.from({ length: s }, (_, l) => {
      const i = s - 1 - l; // level l + 1 splits on bit i
      const side = 1 - ((alpha >> i) & 1);
      return xor16(msg.subarray(32 * (o + i) + 16 * side, 32 * (o + i) + 16 * side + 16), keys[o + i]!);
    });
    const leaves = ggmPunctured(known, s, alpha);
    out.push(Array.from({ length: (1 << s) - 1 }, (_, y) => leaves[(y + 1) ^ alpha]!));
    o += s;
  }
  return out;
}

/**
 * The subspace-VOLE column kernel of one block: given its 2^s leaf stripes L[0..2^s) (overwritten),
 * writes out[i] = ⊕_{y : bit i of y} L[y] for i < s and returns ⊕_y L[y]. With L[x] = G(s_x) that is
 * the receiver's v and u; with L[y] = G(s_{y ⊕ α}) and L[0] = 0 it is the sender's w. Folding the
 * top bit away halves L at each step: 2^(s+1) stripe XORs in all. The reference: the protocol runs
 * the same folding in linear memory with the SIMD XOR (gf2.ts foldColumns, tested against this).
 */
export function fold(L: Int32Array[], out: Int32Array[]): Int32Array {
  const s = out.length;
  for (let i = s - 1; i >= 0; i--) {
    const half = 1 << i;
    const o = out[i]!;
    o.fill(0);
    for (let y = 0; y < half; y++) {
      const lo = L[y]!;
      const hi = L[half + y]!;
      for (let w = 0; w < o.length; w++) {
        const h = hi[w]!;
        o[w] = o[w]! ^ h;
        lo[w] = lo[w]! ^ h;
      }
    }
  }
  return L[0]!;
}
