import { buildConsole, DIST_DIR } from './build';
import { startConsoleServer } from './serve';

/**
 * `main.ts build`: builds the console when its sources changed. `main.ts serve --port 4200
 * --marketplace http://127.0.0.1:4100 --negotiation http://127.0.0.1:4101 [--operator <the operator's ledger bridge>]`:
 * serves it (./dev up runs both).
 */
async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  const option = (name: string, fallback: string) => {
    const at = args.indexOf(`--${name}`);
    return at >= 0 && args[at + 1] ? args[at + 1]! : fallback;
  };
  if (command === 'build') {
    // One JSON line on stdout (./dev reads it: a rebuilt console means a restarted server).
    process.stdout.write(`${JSON.stringify(await buildConsole((m) => process.stderr.write(`console: ${m}\n`)))}\n`);
    return;
  }
  if (command === 'serve') {
    const port = Number(option('port', '4200'));
    const server = await startConsoleServer({
      distDir: DIST_DIR,
      port,
      host: option('host', '127.0.0.1'),
      upstreams: {
        marketplace: option('marketplace', 'http://127.0.0.1:4100'),
        negotiation: option('negotiation', 'http://127.0.0.1:4101'),
        // A member domain's console: the domain's own ledger bridge (its DAOs); none by default.
        ...(option('member', '') ? { member: option('member', '') } : {}),
        // …and its own provisioner (infrastructure jobs) and telemetry (workloads' heartbeats).
        ...(option('provisioner', '') ? { provisioner: option('provisioner', '') } : {}),
        ...(option('telemetry', '') ? { telemetry: option('telemetry', '') } : {}),
        // The operator's MPC coordinator (it only schedules: a member asks it for a computation and follows its progress).
        ...(option('coordinator', '') ? { coordinator: option('coordinator', '') } : {}),
        // The operator's console: the operator's ledger bridge (its administration, for its administrators).
        ...(option('operator', '') ? { operator: option('operator', '') } : {}),
      },
    });
    process.stdout.write(`${JSON.stringify({ message: 'console listening', url: server.url })}\n`);
    const stop = () => void server.close().then(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    return;
  }
  process.stderr.write('usage: main.ts build | serve [--port 4200] [--host 127.0.0.1] [--marketplace <url>] [--negotiation <url>] [--member <url>] [--provisioner <url>] [--telemetry <url>] [--coordinator <url>] [--operator <url>]\n');
  process.exitCode = 2;
}

main().catch((error: unknown) => {
  process.stderr.write(`console: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
