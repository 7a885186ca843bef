import type { Command } from 'commander';
import { DAO_ID_PATTERN, idSchema, MSP_ID_PATTERN } from '@datawell/contracts';
import { daoChannelsOf, seatOnChannel, unseatFromChannel } from '@datawell/stack';
import { stackContext } from '../context';
import { memberBridge, through } from '../services/member-bridge';
import { UsageError } from '../usage-error';

/*
 * `./dev dao transfer …`: a member's transfer of its whole position (docs/governance.md, "Transfer of
 * rights"). offer / consent / accept / show go through the acting member's own bridge, signed by its
 * own identity, on every channel of the DAO its peer has joined; seat / unseat change a channel's
 * organisations by config updates signed by a majority of its admins, each member domain's by its
 * own bridge after its own check of the update against the transfer (--transfer): this command only
 * carries the envelope from one bridge to the next and submits it.
 */

/** A transfer on one channel: the HTTP routes give `acceptedAtMs`, the gRPC call `accepted`. */
type TransferView = { transferId: string; status: string; from: string; to: string; consents?: string[]; acceptedAtMs?: number; accepted?: boolean; consentedPpm?: number; activeOwnershipPpm?: number; consented?: boolean };
export type MemberTransfer = { daoId: string; transferId: string; channels: Array<{ channel: string; version: number; txId?: string; transfer: TransferView }> };

type Message = Record<string, unknown>;

/** A datawell.ledgerbridge.v1.Transfer in the routes' shape (camelCase; `accepted` where the route has `acceptedAtMs`). */
export function transferOfMessage(m: Message): MemberTransfer {
  const transferId = String(m['transfer_id']);
  return {
    daoId: String(m['dao_id']),
    transferId,
    channels: ((m['channels'] as Message[] | undefined) ?? []).map((c) => ({
      channel: String(c['channel']),
      version: Number(c['version']),
      ...(c['tx_id'] === undefined || c['tx_id'] === null ? {} : { txId: String(c['tx_id']) }),
      transfer: {
        transferId,
        status: String(c['status']),
        from: String(c['from']),
        to: String(c['to']),
        consents: ((c['consents'] as unknown[] | undefined) ?? []).map(String),
        accepted: c['accepted'] === true,
        consented: c['consented'] === true,
        consentedPpm: Number(c['consented_ppm']),
        activeOwnershipPpm: Number(c['active_ownership_ppm']),
      },
    })),
  };
}

const checkMsp = (value: string, what: string) => {
  if (!MSP_ID_PATTERN.test(value)) throw new UsageError(`${what} must be an MSP id (letters and digits ending in "MSP"), got "${value}"`);
  return value;
};
const checkDao = (value: string) => {
  if (!DAO_ID_PATTERN.test(value)) throw new UsageError(`--dao must be a DAO id (1-41 lower-case letters, digits or "-"), got "${value}"`);
  return value;
};
const checkTransferId = (value: string, option: string) => {
  if (!idSchema.safeParse(value).success) throw new UsageError(`${option} must be 1-128 letters, digits, ".", "_", ":" or "-", got "${value}"`);
  return value;
};

function describe(t: MemberTransfer): string {
  return [`transfer ${t.transferId} of DAO ${t.daoId}:`, ...t.channels.map(({ channel, txId, transfer: x }) => `  ${channel}: ${x.from} → ${x.to} ${x.status}; consents ${(x.consents ?? []).join(', ')} (${x.consentedPpm ?? '?'} of ${x.activeOwnershipPpm ?? '?'} ppm)${(x.accepted ?? x.acceptedAtMs !== undefined) ? ', accepted' : ', not accepted'}${txId ? ` (tx ${txId})` : ''}`)].join('\n');
}

const print = (json: boolean | undefined, value: unknown, text: string) => process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text}\n`);

export function registerTransferCommands(dao: Command): void {
  const transfer = dao.command('transfer').description("transfer a member's whole position (level, weight, ownership, future revenue) to another member of its group or to a newcomer");
  const member = (c: Command) => c.argument('<MSPID>', 'the member that acts (a member domain of this stack)').requiredOption('--dao <daoId>', 'the DAO').option('--json', 'one JSON object on stdout');

  member(transfer.command('offer').description('offer the member\'s position to --to, signed by the member (OfferTransfer) on every channel of the DAO it is in'))
    .requiredOption('--to <MSPID>', 'the recipient: another member of the same group, or a newcomer registered with the same role')
    .option('--id <transferId>', 'the transfer id (default: chosen by the bridge)')
    .action(async (mspId: string, o: { dao: string; to: string; id?: string; json?: boolean }) => {
      const body = { to: checkMsp(o.to, '--to'), ...(o.id === undefined ? {} : { transferId: checkTransferId(o.id, '--id') }) };
      const bridge = await memberBridge(stackContext(), checkMsp(mspId, '<MSPID>'));
      const made = await through(() => bridge.call<MemberTransfer>('POST', `/daos/${checkDao(o.dao)}/transfers`, body));
      print(o.json, made, describe(made));
    });

  for (const [step, what] of [['consent', "consent to another member's transfer (ConsentTransfer)"], ['accept', 'accept a transfer offered to the member (AcceptTransfer)']] as const) {
    member(transfer.command(step).description(`${what}, signed by the member on every channel of the DAO it is in that records the transfer`))
      .requiredOption('--transfer <id>', 'the transfer')
      .action(async (mspId: string, o: { dao: string; transfer: string; json?: boolean }) => {
        const id = checkTransferId(o.transfer, '--transfer');
        const bridge = await memberBridge(stackContext(), checkMsp(mspId, '<MSPID>'));
        const done = await through(() => bridge.call<MemberTransfer>('POST', `/daos/${checkDao(o.dao)}/transfers/${id}/${step}`));
        print(o.json, done, describe(done));
      });
  }

  member(transfer.command('show').description("the transfer on every channel of the DAO the member is in, read through its own peer (GetTransfer)"))
    .requiredOption('--transfer <id>', 'the transfer')
    .option('--grpc', "read it over the bridge's gRPC (datawell.ledgerbridge.v1.LedgerBridge/GetTransfer) instead of HTTP: `accepted` where HTTP gives `acceptedAtMs`")
    .action(async (mspId: string, o: { dao: string; transfer: string; json?: boolean; grpc?: boolean }) => {
      const id = checkTransferId(o.transfer, '--transfer');
      const daoId = checkDao(o.dao);
      const bridge = await memberBridge(stackContext(), checkMsp(mspId, '<MSPID>'));
      let t: MemberTransfer;
      if (o.grpc) {
        // Loaded only here, as for ./dev usage --grpc.
        const { callBridgeGrpc } = await import('./usage-grpc');
        t = transferOfMessage(await callBridgeGrpc(bridge.mspId, bridge.grpcAddress, await bridge.token(), (c) => c.GetTransfer, { dao_id: daoId, transfer_id: id }));
      } else t = await through(() => bridge.call<MemberTransfer>('GET', `/daos/${daoId}/transfers/${id}`));
      print(o.json, t, describe(t));
    });

  transfer
    .command('seat')
    .description(
      "add the newcomer <MSPID> to exactly the DAO's channels --from sits in (its level and above), each by a config update signed by a majority of the channel's admins, each member domain's by its own bridge once it has checked that the update adds exactly transfer --transfer's recipient (offered, consented) as marketplace records it; the newcomer's peer joins them, then each member domain's bridge approves, as its admin, the dao chaincode's definition whose collection has the newcomer (the last one commits it)",
    )
    .argument('<MSPID>', 'the newcomer')
    .requiredOption('--dao <daoId>', 'the DAO')
    .requiredOption('--from <MSPID>', 'the member whose position the newcomer takes')
    .requiredOption('--transfer <id>', 'the transfer the seat serves (its recipient is <MSPID>)')
    .option('--json', 'one JSON object on stdout')
    .action(async (mspId: string, o: { dao: string; from: string; transfer: string; json?: boolean }) => {
      // Bad input is refused before the stack is read.
      const [daoId, from, transferId] = [checkDao(o.dao), checkMsp(o.from, '--from'), checkTransferId(o.transfer, '--transfer')];
      checkMsp(mspId, '<MSPID>');
      const ctx = stackContext();
      const channels = daoChannelsOf(ctx, daoId, from);
      if (channels.length === 0) throw new UsageError(`${o.from} sits in no channel of DAO ${o.dao} on this stack`);
      const { bridgeCollectionApprover, bridgeConfigSigner } = await import('../services/testing-lazy'); // loaded here only: see member-bridge.ts
      for (const channel of channels) await seatOnChannel(ctx, channel, mspId, ['dao'], { transferId, signer: bridgeConfigSigner(ctx), collection: bridgeCollectionApprover(ctx) });
      // The newcomer's own bridge relays and serves them from now on (a domain's; the tooling's organisations have none).
      const bridge = await memberBridge(ctx, mspId).catch(() => undefined);
      for (const channel of bridge ? channels : []) await through(() => bridge!.call('POST', `/daos/${o.dao}/versions/${channel.slice(channel.lastIndexOf('-v') + 2)}/seat`));
      print(o.json, { mspId, channels, relayedBy: bridge ? mspId : null }, `${mspId} seated on ${channels.join(', ')}${bridge ? ` (relayed by its own bridge)` : ''}`);
    });

  transfer
    .command('unseat')
    .description(
      "remove <MSPID> (a member who transferred its position) from every channel of the DAO it sits in, each by a config update signed by a majority of the channel's admins, each member domain's by its own bridge once it has checked that the update removes exactly transfer --transfer's leaver (completed); then each remaining member domain's bridge approves the dao chaincode's collection without it (the last one commits it)",
    )
    .argument('<MSPID>', 'the leaver')
    .requiredOption('--dao <daoId>', 'the DAO')
    .requiredOption('--transfer <id>', 'the completed transfer the unseat serves (its leaver is <MSPID>)')
    .option('--json', 'one JSON object on stdout')
    .action(async (mspId: string, o: { dao: string; transfer: string; json?: boolean }) => {
      const [daoId, transferId] = [checkDao(o.dao), checkTransferId(o.transfer, '--transfer')];
      const ctx = stackContext();
      const channels = daoChannelsOf(ctx, daoId, checkMsp(mspId, '<MSPID>'));
      if (channels.length === 0) throw new UsageError(`${mspId} sits in no channel of DAO ${o.dao} on this stack`);
      const { bridgeCollectionApprover, bridgeConfigSigner } = await import('../services/testing-lazy'); // loaded here only: see member-bridge.ts
      for (const channel of channels) await unseatFromChannel(ctx, channel, mspId, { transferId, signer: bridgeConfigSigner(ctx), collection: bridgeCollectionApprover(ctx) });
      print(o.json, { mspId, channels }, `${mspId} removed from ${channels.join(', ')}`);
    });
}
