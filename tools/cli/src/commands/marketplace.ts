import type { Command } from 'commander';
import { MSP_ID_PATTERN, OPERATOR_MSP } from '@datawell/contracts';
import { stackContext } from '../context';
import { serviceUrl } from '../services/runner';
import { UsageError } from '../usage-error';

/** The sanction's arguments, checked before anything is sent (the bridge checks them again). */
export function checkSanction(mspId: string, reason: string | undefined): { mspId: string; reason: string } {
  if (!MSP_ID_PATTERN.test(mspId)) throw new UsageError(`<MSPID> must be an MSP id (letters and digits ending in "MSP"), got "${mspId}"`);
  const text = (reason ?? '').trim();
  if (text === '' || text.length > 512) throw new UsageError('--reason must be 1-512 characters: a sanction is always given with its reason');
  return { mspId, reason: text };
}

type ParticipantRecord = { mspId: string; status: string; sanction?: { reason: string; atMs: number; by: string } };

/**
 * The marketplace's governance, as the operator's administrator of this stack: suspend a participant
 * (it posts no offers, opens no negotiations, joins no DAOs) or lift the suspension, through the
 * operator's ledger bridge (POST /admin/participants/:mspId/suspension | reinstatement).
 */
export function registerMarketplaceCommands(program: Command): void {
  const marketplace = program.command('marketplace').description("the marketplace's governance by the operator: suspend a participant, lift a suspension");
  for (const [name, path, what] of [
    ['suspend', 'suspension', 'suspend a participant, with a reason (SuspendParticipant as the operator)'],
    ['reinstate', 'reinstatement', "lift a participant's suspension, with a reason (ReinstateParticipant as the operator)"],
  ] as const) {
    marketplace
      .command(name)
      .description(what)
      .argument('<MSPID>', 'the participant')
      .requiredOption('--reason <text>', 'why (recorded on the ledger with the operator\'s identity)')
      .option('--json', 'one JSON object on stdout')
      .action(async (mspId: string, o: { reason?: string; json?: boolean }) => {
        const sanction = checkSanction(mspId, o.reason);
        const ctx = stackContext();
        const { apiClient, stackAdminIdentity } = await import('../services/testing-lazy'); // loaded here only: see member-bridge.ts
        const bridge = apiClient(serviceUrl(ctx.settings, 'ledger-bridge'), () => stackAdminIdentity(ctx, OPERATOR_MSP));
        const record = await bridge.call<ParticipantRecord>(`/admin/participants/${sanction.mspId}/${path}`, { method: 'POST', body: { reason: sanction.reason } });
        process.stdout.write(o.json ? `${JSON.stringify(record)}\n` : `${record.mspId}: ${record.status}${record.sanction ? ` (${record.sanction.reason})` : ''}\n`);
      });
  }
}
