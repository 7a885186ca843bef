/**
 * Deterministic JSON: object keys sorted by code unit, no whitespace, bigints as decimal strings,
 * `undefined` properties left out. Every endorser must write the same bytes for the same state, so
 * non-integer numbers are refused (the ledger holds integers only: minor units and ppm).
 */
export function canonicalJson(value: unknown): string {
  return encode(value, '$');
}

export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}

function encode(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'number':
      if (!Number.isSafeInteger(value)) throw new TypeError(`canonicalJson: ${path} = ${value} is not a safe integer`);
      return String(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((v, i) => (v === undefined ? 'null' : encode(v, `${path}[${i}]`))).join(',')}]`;
      }
      if (value instanceof Uint8Array) throw new TypeError(`canonicalJson: ${path} is binary; encode it as base64 first`);
      const entries = Object.keys(value)
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${encode((value as Record<string, unknown>)[k], `${path}.${k}`)}`);
      return `{${entries.join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: ${path} has unsupported type ${typeof value}`);
  }
}
