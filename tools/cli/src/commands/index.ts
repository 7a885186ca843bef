import type { Command } from 'commander';

type Registrar = (program: Command) => void;

/**
 * Each top-level command group: the names it registers and the module that registers them, loaded
 * only when it is needed. `./dev economics …` loads the economics module alone, not the stack, Fabric
 * and Kafka clients of the others (a CLI start took about twice as long with every module loaded; the
 * CLI's specs start it hundreds of times). Listed in `--help` order.
 */
export const COMMAND_GROUPS: ReadonlyArray<{ readonly names: readonly string[]; readonly load: () => Promise<Registrar> }> = [
  { names: ['up', 'down', 'services'], load: async () => (await import('./up')).registerUpCommands },
  { names: ['test'], load: async () => (await import('./test')).registerTestCommand },
  { names: ['scenario'], load: async () => (await import('./scenario')).registerScenarioCommands },
  { names: ['stack'], load: async () => (await import('./stack')).registerStackCommands },
  { names: ['economics'], load: async () => (await import('./economics')).registerEconomicsCommands },
  { names: ['bench'], load: async () => (await import('./bench')).registerBenchCommands },
  { names: ['mpc'], load: async () => (await import('./mpc')).registerMpcCommands },
  { names: ['domain'], load: async () => (await import('./domain')).registerDomainCommands },
  { names: ['iot'], load: async () => (await import('./iot')).registerIotCommands },
  { names: ['dao'], load: async () => (await import('./dao')).registerDaoCommands },
  { names: ['workload'], load: async () => (await import('./workload')).registerWorkloadCommands },
  { names: ['marketplace'], load: async () => (await import('./marketplace')).registerMarketplaceCommands },
  { names: ['offer'], load: async () => (await import('./offer')).registerOfferCommands },
  { names: ['usage'], load: async () => (await import('./usage')).registerUsageCommand },
  { names: ['result'], load: async () => (await import('./result')).registerResultCommand },
];

/**
 * Registers the group of the command `args` names (the arguments after `dev`), or every group when
 * they name none of them (`--help`, `help <command>`, an unknown command: its error lists them all).
 */
export async function registerCommands(program: Command, args: readonly string[] = []): Promise<void> {
  const first = args.find((a) => !a.startsWith('-'));
  const named = first === undefined ? [] : COMMAND_GROUPS.filter((g) => g.names.includes(first));
  for (const group of named.length > 0 ? named : COMMAND_GROUPS) (await group.load())(program);
}
