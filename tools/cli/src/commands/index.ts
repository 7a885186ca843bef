import type { Command } from 'commander';
import { registerStackCommands } from './stack';
import { registerEconomicsCommands } from './economics';
import { registerBenchCommands } from './bench';
import { registerMpcCommands } from './mpc';

/** Each subcommand group lives in its own file and registers itself here. */
export function registerCommands(program: Command): void {
  registerStackCommands(program);
  registerEconomicsCommands(program);
  registerBenchCommands(program);
  registerMpcCommands(program);
}
