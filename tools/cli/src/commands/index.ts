import type { Command } from 'commander';
import { registerStackCommands } from './stack';
import { registerUpCommands } from './up';
import { registerTestCommand } from './test';
import { registerScenarioCommands } from './scenario';
import { registerEconomicsCommands } from './economics';
import { registerBenchCommands } from './bench';
import { registerMpcCommands } from './mpc';
import { registerDomainCommands } from './domain';
import { registerIotCommands } from './iot';
import { registerDaoCommands } from './dao';
import { registerWorkloadCommands } from './workload';
import { registerMarketplaceCommands } from './marketplace';
import { registerOfferCommands } from './offer';
import { registerUsageCommand } from './usage';
import { registerResultCommand } from './result';

/** Each subcommand group lives in its own file and registers itself here. */
export function registerCommands(program: Command): void {
  registerUpCommands(program);
  registerTestCommand(program);
  registerScenarioCommands(program);
  registerStackCommands(program);
  registerEconomicsCommands(program);
  registerBenchCommands(program);
  registerMpcCommands(program);
  registerDomainCommands(program);
  registerIotCommands(program);
  registerDaoCommands(program);
  registerWorkloadCommands(program);
  registerMarketplaceCommands(program);
  registerOfferCommands(program);
  registerUsageCommand(program);
  registerResultCommand(program);
}
