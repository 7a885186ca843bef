import type { Principal } from '@datawell/auth';
import type { LedgerReceipt } from '@datawell/contracts';
import { lastValueFrom, toArray } from 'rxjs';
import type { EntityManager } from 'typeorm';
import type { Store } from '../store';
import type { CommandRow, CommandsRepository } from './commands.repository';
import { CommandsService, commandView, type CommandEvent } from './commands.service';

/** The repository's contract over a map (its SQL is exercised by the integration tests). */
class MemoryCommands {
  readonly rows = new Map<string, CommandRow>();

  async issued(_m: EntityManager, c: { commandId: string; action: string; mspId: string; enrollmentId: string }): Promise<void> {
    if (this.rows.has(c.commandId)) throw new Error('duplicate key');
    const now = new Date('2026-01-01T00:00:00Z');
    this.rows.set(c.commandId, {
      command_id: c.commandId,
      action: c.action,
      issuer_msp_id: c.mspId,
      issuer_enrollment_id: c.enrollmentId,
      status: 'pending',
      transaction_id: null,
      block_number: null,
      error_code: null,
      chaincode_code: null,
      message: null,
      created_at: now,
      updated_at: now,
    });
  }

  async get(commandId: string): Promise<CommandRow | undefined> {
    const row = this.rows.get(commandId);
    return row && { ...row };
  }

  async ended(_m: EntityManager, r: LedgerReceipt): Promise<boolean> {
    const row = this.rows.get(r.commandId);
    if (!row || row.status !== 'pending') return false;
    const failed = r.status === 'failed';
    Object.assign(row, {
      status: r.status,
      transaction_id: r.transactionId,
      block_number: r.blockNumber,
      error_code: failed ? r.errorCode : null,
      chaincode_code: failed ? (r.chaincode?.code ?? null) : null,
      message: failed ? (r.chaincode?.message ?? r.errorMessage) : null,
    });
    return true;
  }
}

const alice: Principal = { mspId: 'AliceMSP', enrollmentId: 'alice', role: 'DSP', certificateFingerprint: 'f1' };
const aliceOther: Principal = { ...alice, enrollmentId: 'alice-2', certificateFingerprint: 'f2' };
const bob: Principal = { mspId: 'BobMSP', enrollmentId: 'bob', role: 'VSP', certificateFingerprint: 'f3' };
const m = {} as EntityManager;
const store = { settings: { topics: { ledgerCommands: 'commands.topic' } } } as unknown as Store;

function setup(pollIntervalMs = 60_000) {
  const repository = new MemoryCommands();
  const service = new CommandsService(store, repository as unknown as CommandsRepository, { pollIntervalMs });
  const sent: unknown[] = [];
  const issue = (id: string, principal = alice) =>
    service.issue(m, async (...messages) => void sent.push(...messages), principal, {
      commandId: id,
      channel: 'marketplace',
      chaincode: 'marketplace',
      transaction: 'SubmitFeedback',
      arguments: ['{}'],
      actingMspId: principal.mspId,
    });
  return { repository, service, sent, issue };
}

const refused: LedgerReceipt = {
  commandId: 'marketplace:SubmitFeedback:1',
  status: 'failed',
  transactionId: 'ab'.repeat(32),
  blockNumber: null,
  errorCode: 'ENDORSE_ABORTED',
  errorMessage: '10 ABORTED: failed to endorse transaction; OperatorMSP@peer0: chaincode response 500, NOT_FOUND: no DAO gh in the directory',
  chaincode: { code: 'NOT_FOUND', message: 'no DAO gh in the directory' },
};

describe('CommandsService', () => {
  it('records the issuer with the command and sends the command in the same call', async () => {
    const { service, sent, issue } = setup();
    await expect(issue('marketplace:SubmitFeedback:1')).resolves.toBe('marketplace:SubmitFeedback:1');
    expect(sent).toEqual([expect.objectContaining({ id: 'marketplace:SubmitFeedback:1', topic: 'commands.topic', key: 'marketplace' })]);
    expect(await service.view(alice, 'marketplace:SubmitFeedback:1')).toMatchObject({ commandId: 'marketplace:SubmitFeedback:1', action: 'SubmitFeedback', status: 'pending' });
  });

  it("shows a command to its issuing identity only; anyone else's answer is an unknown id's", async () => {
    const { service, issue } = setup();
    await issue('marketplace:SubmitFeedback:1');
    const refusal = async (principal: Principal, id: string) => service.view(principal, id).then(() => 'shown', (e: { code: string; message: string }) => ({ code: e.code, message: e.message.replace(id, '<id>') }));
    const unknown = await refusal(bob, 'marketplace:SubmitFeedback:nope');
    expect(unknown).toEqual({ code: 'COMMAND_NOT_FOUND', message: 'no command <id> of this identity' });
    expect(await refusal(bob, 'marketplace:SubmitFeedback:1')).toEqual(unknown);
    // Another identity of the same organisation did not issue it either.
    expect(await refusal(aliceOther, 'marketplace:SubmitFeedback:1')).toEqual(unknown);
    await expect(service.view(alice, 'bad id!')).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it("ends a command once, from its receipt: a failure with the chaincode's code and message and the bridge's code", async () => {
    const { service, issue } = setup();
    await issue(refused.commandId);
    await expect(service.onReceipt(m, refused)).resolves.toBe(true);
    await expect(service.onReceipt(m, { commandId: refused.commandId, status: 'committed', transactionId: 'cd'.repeat(32), blockNumber: '9', result: '' })).resolves.toBe(false);
    expect(await service.view(alice, refused.commandId)).toMatchObject({
      status: 'failed',
      txId: 'ab'.repeat(32),
      code: 'NOT_FOUND',
      message: 'no DAO gh in the directory',
      ledgerCode: 'ENDORSE_ABORTED',
    });
    // Not ours (another issuer's prefix or an id we never sent): nothing to end.
    await expect(service.onReceipt(m, { ...refused, commandId: 'telemetry:x' })).resolves.toBe(false);
  });

  it('reports a failure the chaincode did not make with the bridge code and message', () => {
    const view = commandView({
      command_id: 'c',
      action: 'PostOffer',
      issuer_msp_id: 'AliceMSP',
      issuer_enrollment_id: 'alice',
      status: 'failed',
      transaction_id: null,
      block_number: null,
      error_code: 'WALLET_IDENTITY_NOT_FOUND',
      chaincode_code: null,
      message: 'the wallet holds no identity for AliceMSP',
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:01Z',
    });
    expect(view).toEqual({
      commandId: 'c',
      action: 'PostOffer',
      status: 'failed',
      code: 'WALLET_IDENTITY_NOT_FOUND',
      message: 'the wallet holds no identity for AliceMSP',
      ledgerCode: 'WALLET_IDENTITY_NOT_FOUND',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:01.000Z',
    });
  });

  it('streams a pending command until its receipt, then ends', async () => {
    const { service, issue } = setup();
    await issue(refused.commandId);
    const stream = await service.follow(alice, refused.commandId);
    const all = lastValueFrom(stream.pipe(toArray()));
    await service.onReceipt(m, { commandId: refused.commandId, status: 'committed', transactionId: 'cd'.repeat(32), blockNumber: '9', result: '{}' });
    service.changed(refused.commandId);
    const events: CommandEvent[] = await all;
    expect(events.map((e) => [e.type, e.data.status])).toEqual([
      ['command', 'pending'],
      ['command', 'committed'],
    ]);
    expect(events[1]).toMatchObject({ id: `${refused.commandId}:committed`, data: { txId: 'cd'.repeat(32), blockNumber: '9' } });
  });

  it('finds a receipt consumed elsewhere (another replica) by re-reading, without a wake-up', async () => {
    const { service, issue } = setup(20);
    await issue(refused.commandId);
    const all = lastValueFrom((await service.follow(alice, refused.commandId)).pipe(toArray()));
    await service.onReceipt(m, refused);
    const events = await all;
    expect(events.at(-1)?.data).toMatchObject({ status: 'failed', code: 'NOT_FOUND' });
  });

  it('gives an ended command as one event and ends; refuses others before any stream', async () => {
    const { service, issue } = setup();
    await issue(refused.commandId);
    await service.onReceipt(m, refused);
    const events = await lastValueFrom((await service.follow(alice, refused.commandId)).pipe(toArray()));
    expect(events.map((e) => e.data.status)).toEqual(['failed']);
    await expect(service.follow(bob, refused.commandId)).rejects.toMatchObject({ code: 'COMMAND_NOT_FOUND' });
  });
});
