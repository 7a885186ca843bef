import { writeFileSync } from 'node:fs';
import { clientSource, CLIENTS, fetchDocument } from './clients';

/**
 * Regenerates the console's typed API clients from the running services' OpenAPI documents
 * (`./dev up` runs them): `node -r @swc-node/register apps/console/scripts/generate-clients.ts
 * [--marketplace http://127.0.0.1:4100] [--negotiation http://127.0.0.1:4101] [--member <a member domain's ledger bridge>]
 * [--provisioner <that domain's provisioner>] [--telemetry <that domain's telemetry>] [--coordinator http://127.0.0.1:4105]
 * [--operator <the operator's ledger bridge>]`.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  for (const client of CLIENTS) {
    const at = args.indexOf(`--${client.service}`);
    const baseUrl: string = at >= 0 && args[at + 1] ? args[at + 1]! : client.defaultUrl;
    if (!baseUrl) {
      process.stdout.write(`kept ${client.file}: give --${client.service} <url> to regenerate it\n`);
      continue;
    }
    writeFileSync(client.file, await clientSource(client.service, await fetchDocument(baseUrl)));
    process.stdout.write(`wrote ${client.file} from ${baseUrl}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`generate-clients: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
