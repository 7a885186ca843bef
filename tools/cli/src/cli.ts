import { Command, CommanderError } from 'commander';
import { UsageError } from './usage-error';
import { registerCommands } from './commands';

/** Exit codes of `./dev`: 0 success, 1 a failure while doing the work, 2 bad input. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The program with the commands `args` (the arguments after `dev`) need: see registerCommands. */
export async function buildProgram(args: readonly string[] = []): Promise<Command> {
  const program = new Command('dev')
    .description('Datawell developer CLI: the native stack, the services, economics, scenarios, tests and benchmarks.')
    .showHelpAfterError(false)
    .exitOverride()
    // Errors are reported as one line by reportError; help still goes to stderr/stdout.
    .configureOutput({ outputError: () => undefined });
  await registerCommands(program, args);
  // Every subcommand inherits the same error handling.
  for (const cmd of allCommands(program)) {
    cmd.exitOverride().configureOutput({ outputError: () => undefined });
  }
  return program;
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

export async function runCli(argv: string[]): Promise<void> {
  // `./dev … | head` closes the pipe early; that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const program = await buildProgram(argv.slice(2));
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = reportError(err);
  }
}

/** Prints one line for the error and returns the exit code. */
export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
      return 0;
    }
    process.stderr.write(`dev: ${err.message.replace(/^error: /, '')}\n`);
    return EXIT_USAGE;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`dev: ${err.message}\n`);
    return EXIT_USAGE;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`dev: ${message}\n`);
  if (process.env['DEBUG'] && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return EXIT_FAILURE;
}
