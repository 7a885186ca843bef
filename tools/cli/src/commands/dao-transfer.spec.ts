import { Command } from 'commander';
import { UsageError } from '../usage-error';
import { registerTransferCommands, transferOfMessage } from './dao-transfer';

describe("./dev dao transfer show --grpc: the bridge's Transfer message in the routes' shape", () => {
  it('maps every field, keeps a step transaction only where there is one, and reads unset proto3 fields as their defaults', () => {
    const message = {
      dao_id: 'acme',
      transfer_id: 'tf1',
      channels: [
        { channel: 'dao-acme-v2', version: 2, tx_id: 'tx9', status: 'completed', from: 'Vsp2MSP', to: 'NewMSP', consents: ['DspMSP'], accepted: true, consented: true, consented_ppm: 600000, active_ownership_ppm: 1000000 },
        { channel: 'dao-acme-v3', version: 3, tx_id: null, status: 'offered', from: 'Vsp2MSP', to: 'NewMSP', consented_ppm: 0, active_ownership_ppm: 1000000 },
      ],
    };
    expect(transferOfMessage(message)).toEqual({
      daoId: 'acme',
      transferId: 'tf1',
      channels: [
        { channel: 'dao-acme-v2', version: 2, txId: 'tx9', transfer: { transferId: 'tf1', status: 'completed', from: 'Vsp2MSP', to: 'NewMSP', consents: ['DspMSP'], accepted: true, consented: true, consentedPpm: 600000, activeOwnershipPpm: 1000000 } },
        { channel: 'dao-acme-v3', version: 3, transfer: { transferId: 'tf1', status: 'offered', from: 'Vsp2MSP', to: 'NewMSP', consents: [], accepted: false, consented: false, consentedPpm: 0, activeOwnershipPpm: 1000000 } },
      ],
    });
    expect(transferOfMessage({ dao_id: 'acme', transfer_id: 'none' }).channels).toEqual([]);
  });
});

describe('./dev dao transfer seat | unseat: the transfer the config update serves is required', () => {
  /** The `dao` command with the transfer commands, its errors thrown instead of exiting, its output kept. */
  function dao(): { program: Command; out: string[] } {
    const out: string[] = [];
    const program = new Command('dao').exitOverride().configureOutput({ writeOut: (t) => void out.push(t), writeErr: (t) => void out.push(t) });
    registerTransferCommands(program);
    for (const c of program.commands) c.exitOverride().configureOutput({ writeOut: (t) => void out.push(t), writeErr: (t) => void out.push(t) });
    for (const c of program.commands.flatMap((t) => t.commands)) c.exitOverride().configureOutput({ writeOut: (t) => void out.push(t), writeErr: (t) => void out.push(t) });
    return { program, out };
  }

  it.each([
    ['seat', ['NewMSP', '--dao', 'acme', '--from', 'Vsp2MSP']],
    ['unseat', ['Vsp2MSP', '--dao', 'acme']],
  ])('%s without --transfer is refused before anything is read, and its help names the check', async (step, args) => {
    const { program, out } = dao();
    await expect(program.parseAsync(['transfer', step, ...args], { from: 'user' })).rejects.toMatchObject({ code: 'commander.missingMandatoryOptionValue' });
    expect(out.join('')).toMatch(/required option '--transfer <id>' not specified/);
    await expect(program.parseAsync(['transfer', step, ...args, '--transfer', 'not a valid id!'], { from: 'user' })).rejects.toThrow(UsageError);
    const help = dao();
    await expect(help.program.parseAsync(['transfer', step, '--help'], { from: 'user' })).rejects.toMatchObject({ code: 'commander.helpDisplayed' });
    expect(help.out.join('').replace(/\s+/g, ' ')).toMatch(/by its own bridge once it has checked.*--transfer <id>/);
  });
});

