import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..', '..');

/** The typed clients the console uses: one per service, generated from its OpenAPI document. */
export const CLIENTS = [
  { service: 'marketplace', file: join(ROOT, 'apps/console/src/api/marketplace.gen.ts'), defaultUrl: 'http://127.0.0.1:4100' },
  { service: 'negotiation', file: join(ROOT, 'apps/console/src/api/negotiation.gen.ts'), defaultUrl: 'http://127.0.0.1:4101' },
  // A member domain's ledger bridge (member mode: its own DAOs): no fixed port, so only with --member <its URL>
  // (`./dev scenario domains` prints none; `./dev stack status` lists the domains' services).
  { service: 'member', file: join(ROOT, 'apps/console/src/api/member.gen.ts'), defaultUrl: '' },
  // The same domain's provisioner and telemetry (member mode): --provisioner <url> --telemetry <url>.
  { service: 'provisioner', file: join(ROOT, 'apps/console/src/api/provisioner.gen.ts'), defaultUrl: '' },
  { service: 'telemetry', file: join(ROOT, 'apps/console/src/api/telemetry.gen.ts'), defaultUrl: '' },
  // The operator's MPC coordinator (a member asks it for a computation; results go to the member's own bridge).
  { service: 'coordinator', file: join(ROOT, 'apps/console/src/api/coordinator.gen.ts'), defaultUrl: 'http://127.0.0.1:4105' },
  // The operator's ledger bridge (its administration: participants, sanctions, the network): --operator <url>.
  { service: 'operator', file: join(ROOT, 'apps/console/src/api/operator.gen.ts'), defaultUrl: '' },
] as const;

const HEADER = (service: string) =>
  `// Generated from the ${service} service's OpenAPI document (/docs/openapi.json) by\n` +
  '// apps/console/scripts/generate-clients.ts: do not edit. The console test fails when it is stale.\n';

/** TypeScript types of an OpenAPI document, as openapi-typescript writes them (its CLI: it is an ES module). */
export async function clientSource(service: string, document: unknown): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'console-openapi-'));
  try {
    // Sorted keys: the document's order follows module load order, which is not ours to keep stable.
    writeFileSync(join(dir, 'openapi.json'), JSON.stringify(sortKeys(withoutSelfReferences(document)), null, 2));
    // A default is what the service fills in for an absent field: it stays optional in the types.
    await run(join(ROOT, 'node_modules/.bin/openapi-typescript'), [join(dir, 'openapi.json'), '--output', join(dir, 'out.ts'), '--default-non-nullable', 'false'], { cwd: ROOT });
    return HEADER(service) + readFileSync(join(dir, 'out.ts'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The document a running service serves. */
export async function fetchDocument(baseUrl: string): Promise<unknown> {
  const response = await fetch(`${baseUrl}/docs/openapi.json`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`GET ${baseUrl}/docs/openapi.json: ${response.status}`);
  return response.json();
}

/**
 * A component that refers to itself (IntegerJson: JSON whose arrays hold IntegerJson) becomes a type
 * that TypeScript refuses ("referenced directly or indirectly in its own type annotation"): the
 * client types it as any JSON (`unknown`) with its description; the service still validates it.
 */
export function withoutSelfReferences(document: unknown): unknown {
  const schemas = (document as { components?: { schemas?: Record<string, unknown> } }).components?.schemas;
  if (!schemas) return document;
  const kept = Object.fromEntries(
    Object.entries(schemas).map(([name, schema]) => {
      const self = JSON.stringify(schema).includes(`"#/components/schemas/${name}"`);
      const description = (schema as { description?: unknown }).description;
      return [name, self ? (typeof description === 'string' ? { description } : {}) : schema];
    }),
  );
  const doc = document as { components: Record<string, unknown> };
  return { ...doc, components: { ...doc.components, schemas: kept } };
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}
