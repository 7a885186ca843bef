/**
 * SharedArrayBuffers reused from batch to batch, by name: the inputs and outputs of the kernel pool's
 * chunks (fresh megabytes per batch cost page faults). A view is valid until the next request of the
 * same name.
 */
export class SharedScratch {
  readonly #bufs = new Map<string, SharedArrayBuffer>();

  #buffer(name: string, bytes: number): SharedArrayBuffer {
    let b = this.#bufs.get(name);
    if (!b || b.byteLength < bytes) {
      b = new SharedArrayBuffer(Math.ceil(bytes / 64) * 64);
      this.#bufs.set(name, b);
    }
    return b;
  }

  bytes(name: string, len: number): Uint8Array {
    return new Uint8Array(this.#buffer(name, len), 0, len);
  }

  words(name: string, n: number): BigUint64Array {
    return new BigUint64Array(this.#buffer(name, n * 8), 0, n);
  }

  /** Drops every buffer (the views handed out stay valid): a batch's megabytes are not kept at rest. */
  release(): void {
    this.#bufs.clear();
  }

  /** Bytes held for reuse. */
  get heldBytes(): number {
    let n = 0;
    for (const b of this.#bufs.values()) n += b.byteLength;
    return n;
  }
}

/** XOR of equal-length byte strings (GF(2) parities of chunks add up to the parities of the whole). */
export function xorAll(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts[0]!.length);
  for (const p of parts) for (let i = 0; i < out.length; i++) out[i] = out[i]! ^ p[i]!;
  return out;
}
