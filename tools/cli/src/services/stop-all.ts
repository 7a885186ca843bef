import { down, type StackContext } from '@datawell/stack';
import { stopConsole, stopMemberConsoles } from './console';
import { stopMemberServices } from './domain-runner';
import { stopServices, stopWorkloads } from './runner';

/**
 * Everything a stack runs stopped, the processes the tooling started beside it included (the
 * consoles, member services, the operator's services, the provisioners' workloads), then the stack;
 * its files stay. `./dev down`, and `./dev test` before the e2e tier's own stack: a service left
 * running would hold its ports against the next stack's (a CI rehearsal: EADDRINUSE).
 */
export async function stopEverything(ctx: StackContext): Promise<void> {
  await Promise.all([stopConsole(ctx), stopMemberConsoles(ctx)]);
  await Promise.all([stopMemberServices(ctx), stopServices(ctx)]);
  await stopWorkloads(ctx);
  await down(ctx);
}
