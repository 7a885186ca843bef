import type { Command } from 'commander';
import { buildConnection, status, up } from '@datawell/stack';
import { REPO_DIR, stackContext } from '../context';
import { measureProcesses } from '../services/measure';
import { consoleStatus, memberConsolesStatus, startConsole, startMemberConsoles } from '../services/console';
import { stopEverything } from '../services/stop-all';
import { servicesStatus, startServices, stopServices } from '../services/runner';
import { memberServicesStatus, startMemberServices } from '../services/domain-runner';
import { describeLifecycle, runLifecycleOnStack } from './scenario';

export function registerUpCommands(program: Command): void {
  program
    .command('up')
    .description('install what is needed, start the native stack and every service, run a demo DAO life cycle with every participant in its own trust domain, and print where things are')
    .option('--no-demo', 'start everything but skip the demo')
    .action(async (opts: { demo: boolean }) => {
      const ctx = stackContext();
      const connection = await up(ctx);
      await startServices(ctx, connection, REPO_DIR);
      await startMemberServices(ctx, connection, REPO_DIR);
      // A console that does not build or start is reported below (and in the exit code); the services stay up.
      await startConsole(ctx, REPO_DIR).catch((e: unknown) => ctx.progress.step('console', `not started: ${e instanceof Error ? e.message : String(e)}`));
      const domainConsoles = () => startMemberConsoles(ctx, REPO_DIR).catch((e: unknown) => ctx.progress.step('console', `a member domain's console not started: ${e instanceof Error ? e.message : String(e)}`));
      await domainConsoles();
      // Every participant in its own trust domain (docs/security.md): offers, a formation and a join
      // signed in the members' domains; each member's provisioner runs its MPC node in its domain; the
      // VSP asks for a mean of the DSP's dataset and only the VSP's domain receives it, the DSP's usage
      // trail records who asked what; a VSP's node killed and the VSP abandoned; revenue split without it.
      const demo = opts.demo ? await runLifecycleOnStack(1_000_000n, 'Up', { readings: 64 }) : undefined;
      // The demo's domains were made after the first round: their consoles too.
      if (demo) await domainConsoles();
      const stack = await status(ctx);
      const services = await servicesStatus(ctx);
      const memberServices = await memberServicesStatus(ctx);
      const consoleState = await consoleStatus(ctx);
      const memberConsoles = await memberConsolesStatus(ctx);
      const lines = [
        '',
        'Datawell is up.',
        '',
        ...(demo ? ['Demo life cycle, every participant in its own trust domain (./dev scenario lifecycle --compute --org-prefix Up runs it again):', describeLifecycle(demo)] : []),
        `Console:             ${consoleState.url}  (${consoleState.healthy ? 'the catalogue; sign in with an enrolled identity' : `UNHEALTHY: ${consoleState.detail}`})`,
        ...(memberConsoles.length > 0
          ? ["Members' consoles (each in its own domain, with the member's own services behind it: its DAOs, infrastructure, workloads, governance; ./dev domain console):", ...memberConsoles.map((c) => `  ${c.healthy ? 'healthy  ' : 'UNHEALTHY'}  ${c.domain.padEnd(28)} ${c.url}  (${c.detail})`)]
          : []),
        'API docs (OpenAPI):  ' + services.map((s) => `${s.url}/docs`).join('  '),
        'Metrics:             <service url>/metrics (Prometheus)',
        '',
        'Services (health at <url>/health):',
        ...services.map((s) => `  ${s.healthy ? 'healthy  ' : 'UNHEALTHY'}  ${s.name.padEnd(16)} ${s.url}  (${s.detail})`),
        ...(memberServices.length > 0
          ? ['', "Member domains' services (./dev domain services):", ...memberServices.map((s) => `  ${s.healthy ? 'healthy  ' : 'UNHEALTHY'}  ${`${s.name}@${s.domain}`.padEnd(30)} ${s.url}  (${s.detail})`)]
          : []),
        '',
        'Native stack:',
        ...stack.components.map((c) => `  ${c.healthy ? 'healthy  ' : 'UNHEALTHY'}  ${c.name.padEnd(16)} ${c.endpoint ?? ''} ${c.detail}`),
        '',
        `Connection details: ${ctx.settings.stackDir}/connection.json`,
        `Logs:               ${ctx.settings.stackDir}/logs (./dev stack logs <component>)`,
        "Fabric's own CLI:   eval \"$(./dev stack env --org OperatorMSP)\" && peer channel list",
        'Stop everything:    ./dev down',
        '',
      ];
      process.stdout.write(lines.join('\n'));
      if (!stack.healthy || services.some((s) => !s.healthy) || memberServices.some((s) => !s.healthy) || !consoleState.healthy || memberConsoles.some((c) => !c.healthy)) process.exitCode = 1;
    });

  program
    .command('down')
    .description('stop every service and the native stack (data is kept)')
    .action(async () => {
      await stopEverything(stackContext());
    });

  const services = program.command('services').description('the Datawell services as native processes');
  services
    .command('status')
    .option('--json', 'one JSON object on stdout')
    .description('health of every service')
    .action(async (opts: { json?: boolean }) => {
      const list = await servicesStatus(stackContext());
      if (opts.json) process.stdout.write(`${JSON.stringify({ healthy: list.every((s) => s.healthy), services: list })}\n`);
      else process.stdout.write(`${list.map((s) => `${s.healthy ? 'healthy  ' : 'UNHEALTHY'}  ${s.name.padEnd(16)} ${s.url}  ${s.detail}`).join('\n')}\n`);
      if (list.some((s) => !s.healthy)) process.exitCode = 1;
    });
  services
    .command('measure')
    .description('start time and RSS of every service (a second instance on a free port) and of a managed MPC workload pair, then stops them')
    .option('--source', 'run the TypeScript sources through @swc-node/register (as before the build step) instead of dist/')
    .option('--tree <dir>', 'a checkout to run the processes from (default: this one)', REPO_DIR)
    .option('--only <names>', 'comma-separated services and/or "workloads"')
    .option('--settle <ms>', 'how long after ready to read RSS again', '10000')
    .option('--together', 'start the services all at once, as ./dev up does (default: one at a time)')
    .option('--idle <ms>', 'after settling, measure CPU (% of a core) and RSS of each service over this idle window', '0')
    .option('--json', 'one JSON object on stdout')
    .action(async (opts: { source?: boolean; tree: string; only?: string; settle: string; together?: boolean; idle: string; json?: boolean }) => {
      const ctx = stackContext();
      // The running stack's connection (measuring never starts or changes the stack).
      const connection = buildConnection(ctx);
      const m = await measureProcesses(ctx, connection, { tree: opts.tree, mode: opts.source ? 'source' : 'compiled', settleMs: Number(opts.settle), idleMs: Number(opts.idle), together: opts.together === true, ...(opts.only ? { only: opts.only.split(',') } : {}) });
      if (opts.json) return void process.stdout.write(`${JSON.stringify(m)}\n`);
      const cell = (n: number) => (Number.isNaN(n) ? '' : String(n));
      const idle = (m.idleMs ?? 0) > 0;
      const idleCells = (f: (typeof m.figures)[number]) => (idle ? ` ${cell(f.idleCpuPercent ?? NaN)} | ${cell(f.rssMbIdle ?? NaN)} |` : '');
      const rows = m.figures.map((f) => `| ${f.process} | ${f.readyMs} | ${cell(f.cpuMsAtReady)} | ${cell(f.rssMbAtReady)} | ${cell(f.rssMbSettled)} |${idleCells(f)}`);
      const header = [
        `| process | ready (ms) | CPU to ready (ms) | RSS at ready (MB) | RSS settled (MB) |${idle ? ` idle CPU over ${m.idleMs} ms (% of a core) | RSS after idle (MB) |` : ''}`,
        `|---|---:|---:|---:|---:|${idle ? '---:|---:|' : ''}`,
      ];
      const loads = `load average ${m.loadAverage.join(' ')}${m.loadAverageIdle ? ` (after: ${m.loadAverageIdle.join(' ')})` : ''}`;
      process.stdout.write([`${m.mode}${m.together ? ', services started together' : ''}, ${loads}`, '', ...header, ...rows, ''].join('\n'));
    });
  services
    .command('start')
    .description("start the operator's services (the stack first, when it is not up) and wait for their health; member domains: ./dev domain start")
    .action(async () => {
      const ctx = stackContext();
      await startServices(ctx, await up(ctx), REPO_DIR);
    });
  services
    .command('stop')
    .description('stop every service (the stack keeps running)')
    .action(async () => stopServices(stackContext()));
}
