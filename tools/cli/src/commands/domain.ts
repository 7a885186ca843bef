import type { Command } from 'commander';
import { addDomain, domainsStatus, status, validateMember, type DomainStatus } from '@datawell/stack';
import { stackContext } from '../context';
import { guarded } from './stack';

export function registerDomainCommands(program: Command): void {
  const domain = program.command('domain').description("trust domains: the operator's and one per participant organisation, each its own OS user, folder, database and keys");

  domain
    .command('add')
    .description("create (idempotently) a participant's domain and start its PostgreSQL, Redis, Fabric CA and peer as its own OS user")
    .argument('<MSPID>', 'the organisation MSP id, e.g. AcmeMSP')
    .requiredOption('--role <role>', 'DSP or VSP')
    .option('--json', 'print the domain and its public MSP package as one JSON object')
    .action(async (mspId: string, opts: { role: string; json?: boolean }) => {
      const ctx = stackContext();
      // Checked before anything is created, so bad input exits 2 at once.
      await guarded(async () => validateMember(mspId, opts.role));
      const added = await guarded(() => addDomain(ctx, mspId, opts.role));
      const [entry] = domainsStatus(ctx, []).filter((d) => d.name === added.domain.name);
      if (opts.json) return void process.stdout.write(`${JSON.stringify({ domain: entry, mspPackage: added.mspPackage })}\n`);
      process.stdout.write(`${describe(entry as DomainStatus)}\npublic MSP package: ${entry?.publicDir}/msp-package.json\n`);
    });

  domain
    .command('list')
    .description('every domain with its OS user, folder, processes and stores')
    .option('--json', 'one JSON array on stdout')
    .action(async (opts: { json?: boolean }) => {
      const ctx = stackContext();
      const list = (await status(ctx)).domains;
      if (opts.json) return void process.stdout.write(`${JSON.stringify(list)}\n`);
      process.stdout.write(`${list.map(describe).join('\n')}\n`);
    });
}

function describe(d: DomainStatus): string {
  const procs = d.processes.map((p) => (p.pid ? `${p.name}(${p.pid} as ${p.user ?? '?'})` : `${p.name}(not running)`)).join(' ');
  return [
    `${d.name}  role ${d.role}  user ${d.osUser}${d.osUserExists ? '' : ' (not created yet)'}  folder ${d.folder}`,
    `  postgres 127.0.0.1:${d.database.port}  redis 127.0.0.1:${d.redis.port}  kafka principal ${d.kafka.principal} (${d.kafka.credentials})`,
    `  processes ${procs || 'none'}`,
  ].join('\n');
}
