import { createCipheriv } from 'node:crypto';

/*
 * Fresh typed-array bytes of this thread, counted while a piece of code runs (mpc-catalogue-profile.ts
 * --allocations; the collections they cause are counted from `node --trace-gc`'s lines between the
 * rounds' markers). Load-independent, unlike wall or CPU time. Counted: typed
 * arrays constructed from a length or copied from another (not views of an existing buffer), `slice`
 * of typed arrays, Buffer.alloc/allocUnsafe/concat and the output of Node's ciphers' `update` (the
 * PRG's AES). Each allocation of at least SITE_BYTES is also attributed to the first stack frame in
 * libs/ or bench/ outside this file.
 */

export interface AllocationCount {
  bytes: number;
  arrays: number;
  /** Bytes by allocation site (function and file:line), largest allocations only. */
  sites: Map<string, number>;
}

const SITE_BYTES = 64 * 1024;
let current: AllocationCount | undefined;

function record(bytes: number): void {
  if (!current) return;
  current.bytes += bytes;
  current.arrays++;
  if (bytes < SITE_BYTES) return;
  const frames = (new Error().stack ?? '').split('\n').slice(2);
  const frame = frames.find((f) => /\/(libs|bench)\//.test(f) && !f.includes('allocations.ts')) ?? frames[0] ?? '?';
  const site = frame.trim().replace(/^at /, '').replace(/\(?\/.*\/(libs|bench)\//, '$1/').replace(/\)$/, '').replace(/:\d+$/, '');
  current.sites.set(site, (current.sites.get(site) ?? 0) + bytes);
}

let installed = false;

/** Wraps the allocating constructors and methods (once per process). */
export function installAllocationCounter(): void {
  if (installed) return;
  installed = true;
  const g = globalThis as unknown as Record<string, unknown>;
  for (const name of ['BigUint64Array', 'BigInt64Array', 'Uint8Array', 'Uint32Array', 'Float64Array']) {
    const C = g[name] as new (...args: unknown[]) => ArrayBufferView;
    g[name] = new Proxy(C, {
      construct(target, args) {
        const out = Reflect.construct(target, args, target) as ArrayBufferView;
        if (!(args[0] instanceof ArrayBuffer || args[0] instanceof SharedArrayBuffer)) record(out.byteLength);
        return out;
      },
    });
  }
  const typedArray = Object.getPrototypeOf(Uint8Array.prototype) as { slice: (this: ArrayBufferView, ...a: unknown[]) => ArrayBufferView };
  const slice = typedArray.slice;
  typedArray.slice = function (this: ArrayBufferView, ...a: unknown[]) {
    const out = slice.apply(this, a);
    record(out.byteLength);
    return out;
  };
  const b = Buffer as unknown as Record<'alloc' | 'allocUnsafe' | 'concat', (...a: unknown[]) => Buffer>;
  for (const name of ['alloc', 'allocUnsafe', 'concat'] as const) {
    const f = b[name];
    b[name] = (...a: unknown[]) => {
      const out = f.apply(Buffer, a);
      record(out.byteLength);
      return out;
    };
  }
  const cipher = Object.getPrototypeOf(createCipheriv('aes-128-ctr', Buffer.alloc(16), Buffer.alloc(16))) as { update: (...a: unknown[]) => Buffer };
  const update = cipher.update;
  cipher.update = function (this: unknown, ...a: unknown[]) {
    const out = update.apply(this, a);
    record(out.byteLength);
    return out;
  };
}

/** Runs `fn` and counts what it allocated. */
export async function countAllocations(fn: () => Promise<unknown>): Promise<AllocationCount> {
  const c: AllocationCount = { bytes: 0, arrays: 0, sites: new Map() };
  current = c;
  try {
    await fn();
  } finally {
    current = undefined;
  }
  return c;
}
