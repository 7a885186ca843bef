import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';

/** The parts of a Compose file the checks read. */
export interface ComposeService {
  readonly image?: string;
  readonly build?: { readonly context?: string; readonly dockerfile?: string; readonly args?: Record<string, string> };
  readonly environment?: Record<string, string | number | boolean | null> | readonly string[];
  readonly ports?: readonly (string | number)[];
  readonly volumes?: readonly string[];
  readonly depends_on?: readonly string[] | Record<string, { readonly condition?: string }>;
  readonly healthcheck?: { readonly test?: string | readonly string[] };
}

export interface ComposeFile {
  readonly services: Record<string, ComposeService>;
  readonly volumes?: Record<string, unknown>;
}

/** Parses a Compose file (YAML 1.2 with `<<` merge keys, as Compose reads it); throws on any YAML error. */
export function parseCompose(text: string): ComposeFile {
  const doc = parseDocument(text, { merge: true });
  if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
  const value = doc.toJS() as ComposeFile;
  if (!value || typeof value.services !== 'object') throw new Error('no services in the Compose file');
  return value;
}

export function readCompose(path: string): ComposeFile {
  return parseCompose(readFileSync(path, 'utf8'));
}

/**
 * Compose's variable interpolation: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:?message}` and `${VAR?message}`.
 */
export function interpolate(text: string, env: Readonly<Record<string, string | undefined>>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare) as string;
      const value = env[name];
      const unset = op?.startsWith(':') ? value === undefined || value === '' : value === undefined;
      if (op?.endsWith('-')) return unset ? (arg ?? '') : (value as string);
      if (op?.endsWith('?')) {
        if (unset) throw new Error(`${name}: ${arg || 'required'}`);
        return value as string;
      }
      return value ?? '';
    },
  );
}

/** A service's environment as name → interpolated value. */
export function serviceEnvironment(
  service: ComposeService,
  env: Readonly<Record<string, string | undefined>> = {},
): Record<string, string> {
  const entries: Array<[string, string]> = Array.isArray(service.environment)
    ? (service.environment as readonly string[]).map((line) => {
        const i = line.indexOf('=');
        return i < 0 ? [line, ''] : [line.slice(0, i), line.slice(i + 1)];
      })
    : Object.entries(service.environment ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]);
  return Object.fromEntries(entries.map(([k, v]) => [k, interpolate(v, env)]));
}

export interface PortMapping {
  readonly host: number;
  readonly container: number;
}

/** Published ports in the short syntax: `HOST:CONTAINER`, `IP:HOST:CONTAINER`, optional `/proto`. */
export function publishedPorts(service: ComposeService): PortMapping[] {
  return (service.ports ?? []).map((entry) => {
    const spec = String(entry).replace(/\/(tcp|udp)$/, '');
    const parts = spec.split(':');
    if (parts.length < 2) throw new Error(`port "${entry}" publishes no host port`);
    const host = Number(parts[parts.length - 2]);
    const container = Number(parts[parts.length - 1]);
    if (!Number.isInteger(host) || !Number.isInteger(container)) throw new Error(`port "${entry}" is not HOST:CONTAINER`);
    return { host, container };
  });
}

export function dependsOn(service: ComposeService): Record<string, string> {
  const d = service.depends_on;
  if (!d) return {};
  if (Array.isArray(d)) return Object.fromEntries((d as readonly string[]).map((n) => [n, 'service_started']));
  return Object.fromEntries(
    Object.entries(d as Record<string, { condition?: string }>).map(([n, v]) => [n, v.condition ?? 'service_started']),
  );
}
