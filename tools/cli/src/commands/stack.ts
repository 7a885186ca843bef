import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { down, envExports, install, logFiles, OPERATOR_DOMAIN, processUser, readLog, reset, status, StackError, up, type DomainStatus, type StackContext } from '@datawell/stack';
import { stackContext } from '../context';
import { consoleStatus } from '../services/console';
import { servicesStatus } from '../services/runner';
import { UsageError } from '../usage-error';

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Bad names given on the command line are usage errors (exit 2), not failures of the stack. */
export async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof StackError && (e.code === 'UNKNOWN_COMPONENT' || e.code === 'UNKNOWN_ORG' || e.code === 'UNKNOWN_DOMAIN' || e.code === 'BAD_SETTING')) throw new UsageError(e.message);
    throw e;
  }
}

function rememberOrderers(ctx: StackContext): void {
  const dir = join(ctx.settings.stackDir, 'fabric');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'network.json'), `${JSON.stringify({ orderers: ctx.settings.orderers })}\n`);
}

export function registerStackCommands(program: Command): void {
  const stack = program.command('stack').description('install, start, stop and inspect the native stack of real components');

  stack
    .command('install')
    .description('install PostgreSQL, Redis (Debian), Kafka (Maven Central), Fabric, Fabric CA and OpenTofu (Go module proxy); idempotent')
    .action(async () => {
      await install(stackContext());
    });

  stack
    .command('up')
    .description('install what is missing, start every component and wait until healthy')
    .option('--only <components>', 'comma-separated subset: postgres,redis,kafka,fabric')
    .option('--orderers <n>', 'Raft orderers when the network is first created: 1 or 3')
    .action(async (opts: { only?: string; orderers?: string }) => {
      const ctx = stackContext(opts);
      await guarded(async () => {
        rememberOrderers(ctx);
        await up(ctx, opts.only ? list(opts.only) : undefined);
      });
      const s = await status(ctx);
      printStatus(s.components, false);
    });

  stack
    .command('down')
    .description('stop every component cleanly (data is kept)')
    .option('--only <components>', 'comma-separated subset')
    .action(async (opts: { only?: string }) => {
      await guarded(() => down(stackContext(), opts.only ? list(opts.only) : undefined));
    });

  stack
    .command('status')
    .description('health of every component (exit 1 when one is unhealthy)')
    .option('--json', 'one JSON object on stdout')
    .action(async (opts: { json?: boolean }) => {
      const ctx = stackContext();
      const s = await status(ctx);
      // The console is listed beside the components (its health does not count in the stack's).
      if (opts.json) process.stdout.write(`${JSON.stringify({ ...s, domains: await withServiceUrls(ctx, s.domains), console: await consoleStatus(ctx) })}\n`);
      else printStatus(s.components, true);
      if (!s.healthy) process.exitCode = 1;
    });

  stack
    .command('logs')
    .description('print the recent log of a component process')
    .argument('<component>', 'e.g. postgres, redis, kafka, ca-operator, orderer0.orderer, peer0.operator, chaincode-hello')
    .option('-n, --lines <n>', 'number of lines', '200')
    .action(async (name: string, opts: { lines: string }) => {
      const lines = Number(opts.lines);
      if (!Number.isInteger(lines) || lines <= 0) throw new UsageError(`--lines must be a positive whole number, got "${opts.lines}"`);
      process.stdout.write(`${await guarded(async () => readLog(stackContext(), name, lines))}\n`);
    });

  stack
    .command('reset')
    .description('stop everything and delete the project-local stack folder (all data)')
    .action(async () => {
      await reset(stackContext());
    });

  stack
    .command('env')
    .description("print shell exports that let Fabric's peer CLI act as an organisation's admin")
    .requiredOption('--org <MSPID>', 'organisation MSP id, e.g. OperatorMSP')
    .action(async (opts: { org: string }) => {
      process.stdout.write(`${await guarded(async () => envExports(stackContext(), opts.org))}\n`);
    });

  stack
    .command('log-files')
    .description('list the log file of every component process')
    .action(() => {
      for (const [name, file] of Object.entries(logFiles(stackContext()))) process.stdout.write(`${name}\t${file}\n`);
    });
}

/**
 * The operator's services and console while they run: their URLs, and each as a process of the
 * operator's domain with its pid and the user it runs as (`dw-operator`: docs/security.md, "What
 * runs as whom").
 */
async function withServiceUrls(ctx: StackContext, domains: readonly DomainStatus[]): Promise<DomainStatus[]> {
  const console = await consoleStatus(ctx);
  const running = [...(await servicesStatus(ctx)), console].filter((x): x is typeof x & { pid: number } => x.pid !== undefined);
  const urls = Object.fromEntries(running.map((x) => [x.name, x.url]));
  const processes = running.map((x) => {
    const user = processUser(x.pid);
    return { name: x.name, pid: x.pid, ...(user ? { user } : {}) };
  });
  return domains.map((d) => (d.name === OPERATOR_DOMAIN ? { ...d, processes: [...d.processes, ...processes], serviceUrls: urls } : d));
}

function printStatus(components: readonly { name: string; healthy: boolean; pid?: number; endpoint?: string; detail: string }[], toStdout: boolean): void {
  const width = Math.max(...components.map((c) => c.name.length));
  const text = components
    .map((c) => `${c.healthy ? 'healthy  ' : 'UNHEALTHY'}  ${c.name.padEnd(width)}  ${c.endpoint ? `${c.endpoint}  ` : ''}${c.detail}`)
    .join('\n');
  (toStdout ? process.stdout : process.stderr).write(`${text}\n`);
}
