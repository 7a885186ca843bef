import { ContractValidationError } from '../errors';
import { parseContract } from '../validate';
import { ledgerCommandCloudEvent, ledgerCommandSchema } from './ledger-command.v1';
import { ledgerReceiptCloudEvent, ledgerReceiptSchema } from './ledger-receipt.v1';

const command = {
  commandId: 'c1',
  channel: 'marketplace',
  chaincode: 'hello',
  transaction: 'Put',
  arguments: ['k', 'v'],
  actingMspId: 'OperatorMSP',
};

describe('ledger command v1', () => {
  it('accepts a command and uses its id as the envelope id', () => {
    expect(ledgerCommandCloudEvent(command, 'urn:test').id).toBe('c1');
  });

  it('rejects a bad channel name, non-string arguments and transient data that is not base64', () => {
    const bad = { ...command, channel: 'Bad Channel', arguments: [1], transient: { secret: 'not base64!' } };
    try {
      parseContract('ledger command', ledgerCommandSchema, bad);
      throw new Error('expected a failure');
    } catch (error) {
      expect(error).toBeInstanceOf(ContractValidationError);
      expect((error as ContractValidationError).issues.map((i) => i.path).sort()).toEqual(['arguments.0', 'channel', 'transient.secret']);
    }
  });
});

describe('ledger receipt v1', () => {
  it('needs a tx id and block for a committed receipt, an error code for a failed one', () => {
    expect(ledgerReceiptSchema.safeParse({ commandId: 'c', status: 'committed', result: '' }).success).toBe(false);
    expect(ledgerReceiptSchema.safeParse({ commandId: 'c', status: 'failed', transactionId: null, blockNumber: null, errorMessage: 'x' }).success).toBe(false);
    const receipt = ledgerReceiptCloudEvent(
      { commandId: 'c', status: 'failed', transactionId: null, blockNumber: null, errorCode: 'ENDORSEMENT_FAILED', errorMessage: 'no' },
      'urn:test',
    );
    expect(receipt.id).toBe('receipt:c');
  });
});
