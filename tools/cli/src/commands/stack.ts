import type { Command } from 'commander';

export function registerStackCommands(program: Command): void {
  program.command('stack').description('install, start, stop and inspect the native stack of real components');
}
