import { status as GrpcStatus, Metadata } from '@grpc/grpc-js';
import { EndorseError, StatusCode, type Gateway } from '@hyperledger/fabric-gateway';
import { SubmitError } from '@hyperledger/fabric-gateway/dist/submiterror';
import type { LedgerCommand, LedgerReceipt } from '@datawell/contracts';
import type { Gateways } from '../fabric/gateways.adapter';
import { CommandService } from './command.service';
import type { Operation, OperationsRepository } from './operations.repository';

const command: LedgerCommand = {
  commandId: 'c1',
  channel: 'marketplace',
  chaincode: 'hello',
  transaction: 'Put',
  arguments: ['k', 'v'],
  actingMspId: 'OperatorMSP',
};

const quiet = { error: jest.fn(), warn: jest.fn(), log: jest.fn(), debug: jest.fn() };

function grpcError(code: number) {
  return new EndorseError({
    code,
    cause: Object.assign(new Error('x'), { code, details: 'x', metadata: new Metadata() }),
    transactionId: 'tx',
    details: [],
    message: 'endorse failed',
  });
}

type Step = 'ok' | 'mvcc' | 'endorse-unavailable' | 'endorse-aborted' | 'submit-unavailable';

/** In-memory operations and a scripted Fabric: each step is the outcome of one endorse/submit. */
function harness(steps: Step[], start: Partial<Operation> = {}, onlyAs?: string, fabric: { result?: string; evaluate?: (fn: string, ...args: string[]) => Promise<Uint8Array>; proposals?: unknown[] } = {}) {
  let operation: Operation = {
    commandId: 'c1',
    status: 'pending',
    transactionId: null,
    blockNumber: null,
    attempts: 0,
    submissions: 0,
    preparedTransaction: null,
    errorCode: null,
    errorMessage: null,
    ...start,
  };
  const receipts: LedgerReceipt[] = [];
  const sent: string[] = [];
  let endorsements = 0;
  const operations = {
    exclusively: async <T>(_id: string, work: () => Promise<T>) => work(),
    begin: async () => operation,
    markAttempt: async (_id: string, attempt: number) => void (operation = { ...operation, attempts: attempt }),
    markSubmitted: async (_id: string, transactionId: string, _p: Uint8Array, attempt: number) =>
      void (operation = { ...operation, status: 'submitted', transactionId, attempts: attempt, submissions: operation.submissions + 1 }),
    finish: async (receipt: LedgerReceipt) => {
      receipts.push(receipt);
      operation = { ...operation, status: receipt.status };
      return true;
    },
  } as unknown as OperationsRepository;

  const transaction = (txId: string) => ({
    getTransactionId: () => txId,
    getBytes: () => Buffer.from(txId),
    getResult: () => Buffer.from(fabric.result ?? 'ok'),
    submit: async () => {
      const step = steps.shift() ?? 'ok';
      sent.push(txId);
      if (step === 'submit-unavailable') throw new SubmitError({ ...grpcError(GrpcStatus.UNAVAILABLE), transactionId: txId, cause: grpcError(GrpcStatus.UNAVAILABLE).cause, details: [] });
      return {
        getStatus: async () => ({
          successful: step === 'ok',
          code: step === 'mvcc' ? StatusCode.MVCC_READ_CONFLICT : StatusCode.VALID,
          blockNumber: 9n,
          transactionId: txId,
        }),
      };
    },
  });
  const gateway = {
    getNetwork: () => ({
      getContract: () => ({
        evaluateTransaction: async (fn: string, ...args: string[]) => (fabric.evaluate ? fabric.evaluate(fn, ...args) : Promise.reject(new Error('no evaluate'))),
        newProposal: (_fn: string, options: unknown) => (fabric.proposals?.push(options), {
          endorse: async () => {
            const step = steps[0];
            if (step === 'endorse-unavailable' || step === 'endorse-aborted') {
              steps.shift();
              throw grpcError(step === 'endorse-unavailable' ? GrpcStatus.UNAVAILABLE : GrpcStatus.ABORTED);
            }
            endorsements += 1;
            return transaction(`tx${endorsements}`);
          },
        }),
      }),
    }),
    newTransaction: (bytes: Uint8Array) => transaction(Buffer.from(bytes).toString()),
  } as unknown as Gateway;
  const asked: string[] = [];
  const gateways = { for: async (mspId: string) => (asked.push(mspId), gateway) } as unknown as Gateways;
  const service = new CommandService({ operations, gateways, logger: quiet, initialBackoffMs: 1, maxRetries: 2, ...(onlyAs ? { onlyAs } : {}) });
  return { service, receipts, sent, asked, operation: () => operation };
}

describe('CommandService and the private dao chaincode', () => {
  const daoCommand: LedgerCommand = { commandId: 'c1', channel: 'dao-x-v1', chaincode: 'dao', transaction: 'RecordRevenue', arguments: ['{"revenueId":"r","amount":"7","kind":"use"}'], actingMspId: 'DspMSP' };

  it('sends the arguments in transient data with a salt, and records the response read back from its own peer', async () => {
    const proposals: unknown[] = [];
    const asked: string[][] = [];
    const h = harness(['ok'], {}, undefined, {
      result: '{"sealed":"tx1"}',
      proposals,
      evaluate: async (fn, ...args) => (asked.push([fn, ...args]), Buffer.from(JSON.stringify({ txId: 'tx1', response: '{"lump":"7"}' }))),
    });
    await expect(h.service.handle(daoCommand)).resolves.toBe('committed');
    const [options] = proposals as Array<{ arguments: string[]; transientData: Record<string, Uint8Array> }>;
    expect(options!.arguments).toEqual(['']);
    expect(JSON.parse(Buffer.from(options!.transientData['args']!).toString('utf8'))).toEqual(daoCommand.arguments);
    expect(options!.transientData['salt']).toHaveLength(32);
    expect(asked).toEqual([['GetTransaction', 'tx1']]);
    expect(h.receipts[0]).toMatchObject({ status: 'committed', transactionId: 'tx1', result: '{"lump":"7"}' });
  });

  it('records a committed transaction as committed when its response cannot be read back (the marker kept)', async () => {
    const h = harness(['ok'], {}, undefined, { result: '{"sealed":"tx1"}', evaluate: async () => Promise.reject(new Error('chaincode response 500, FORBIDDEN: no')) });
    await expect(h.service.handle(daoCommand)).resolves.toBe('committed');
    expect(h.receipts[0]).toMatchObject({ status: 'committed', transactionId: 'tx1', result: '{"sealed":"tx1"}' });
  });
});

describe('CommandService retry policy', () => {
  it('commits on the first try with one endorsement and one submission', async () => {
    const h = harness(['ok']);
    await expect(h.service.handle(command)).resolves.toBe('committed');
    expect(h.receipts).toEqual([{ commandId: 'c1', status: 'committed', transactionId: 'tx1', blockNumber: '9', result: 'ok' }]);
    expect(h.operation()).toMatchObject({ attempts: 1, submissions: 1 });
  });

  it('endorses anew after an MVCC conflict (a new tx id)', async () => {
    const h = harness(['mvcc', 'ok']);
    await expect(h.service.handle(command)).resolves.toBe('committed');
    expect(h.sent).toEqual(['tx1', 'tx2']);
    expect(h.receipts[0]).toMatchObject({ status: 'committed', transactionId: 'tx2' });
  });

  it('resends the same transaction after an unavailable submit, never a new one', async () => {
    const h = harness(['submit-unavailable', 'ok']);
    await expect(h.service.handle(command)).resolves.toBe('committed');
    expect(h.sent).toEqual(['tx1', 'tx1']);
    expect(h.operation()).toMatchObject({ attempts: 1, submissions: 1 });
  });

  it('retries an unavailable endorsement, but fails a refused one at once', async () => {
    const retried = harness(['endorse-unavailable', 'ok']);
    await expect(retried.service.handle(command)).resolves.toBe('committed');
    const refused = harness(['endorse-aborted', 'ok']);
    await expect(refused.service.handle(command)).resolves.toBe('failed');
    expect(refused.receipts[0]).toMatchObject({ status: 'failed', errorCode: 'ENDORSE_ABORTED', transactionId: 'tx' });
    expect(refused.sent).toEqual([]);
  });

  it('gives up after the retry budget with the last conflict as the reason', async () => {
    const h = harness(['mvcc', 'mvcc', 'mvcc', 'ok']);
    await expect(h.service.handle(command)).resolves.toBe('failed');
    expect(h.sent).toEqual(['tx1', 'tx2', 'tx3']);
    expect(h.receipts[0]).toMatchObject({ status: 'failed', errorCode: 'MVCC_READ_CONFLICT', transactionId: 'tx3' });
    expect((h.receipts[0] as { errorMessage: string }).errorMessage).toMatch(/gave up after 3 tries/);
  });

  it('does nothing for an operation that already ended', async () => {
    const h = harness(['ok'], { status: 'committed', attempts: 1, submissions: 1 });
    await expect(h.service.handle(command)).resolves.toBe('committed');
    expect(h.sent).toEqual([]);
    expect(h.receipts).toEqual([]);
  });

  it('resumes a submitted operation by resending its stored transaction', async () => {
    const h = harness(['ok'], { status: 'submitted', attempts: 1, submissions: 1, transactionId: 'txA', preparedTransaction: Buffer.from('txA') });
    await expect(h.service.handle(command)).resolves.toBe('committed');
    expect(h.sent).toEqual(['txA']);
    expect(h.operation()).toMatchObject({ attempts: 1, submissions: 1 });
  });

  it('lets an error that is not the command\'s fault propagate, for redelivery', async () => {
    const h = harness([]);
    const broken = new CommandService({
      operations: {
        exclusively: async <T>(_id: string, work: () => Promise<T>) => work(),
        begin: async () => Promise.reject(new Error('connection terminated')),
      } as unknown as OperationsRepository,
      gateways: {} as Gateways,
      logger: quiet,
    });
    await expect(broken.handle(command)).rejects.toThrow('connection terminated');
    expect(h.receipts).toEqual([]);
  });
});

describe("CommandService in a member's domain", () => {
  it('submits a command that names its own organisation', async () => {
    const h = harness(['ok'], {}, 'OperatorMSP');
    await expect(h.service.handle(command)).resolves.toBe('committed');
    expect(h.asked).toEqual(['OperatorMSP']);
  });

  it('refuses, without reaching Fabric, a command that names another organisation', async () => {
    const h = harness(['ok'], {}, 'LcDspMSP');
    await expect(h.service.handle(command)).resolves.toBe('failed');
    expect(h.asked).toEqual([]);
    expect(h.sent).toEqual([]);
    expect(h.receipts).toEqual([
      { commandId: 'c1', status: 'failed', transactionId: null, blockNumber: null, errorCode: 'NOT_THIS_MEMBER', errorMessage: 'this bridge submits only as LcDspMSP, not as OperatorMSP' },
    ]);
  });
});
