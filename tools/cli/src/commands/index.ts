import type { Command } from 'commander';
import { registerStackCommands } from './stack';

/** Each subcommand group lives in its own file and registers itself here. */
export function registerCommands(program: Command): void {
  registerStackCommands(program);
}
