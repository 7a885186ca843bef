import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { CommitStatusError, EndorseError, type Network } from '@hyperledger/fabric-gateway';
import { isTransientEndorsementError, submitTransaction } from './endorse';

function endorseError(code: number, message: string) {
  return new EndorseError({ code, cause: Object.assign(new Error(message), { code, details: message, metadata: new Metadata() }), transactionId: 'tx', details: [], message });
}
const NO_ENDORSERS = endorseError(GrpcStatus.FAILED_PRECONDITION, '9 FAILED_PRECONDITION: no combination of peers can be derived which satisfy the endorsement policy: no peer combination can satisfy the endorsement policy');

/** A network whose endorsements fail with `failures` in turn, then succeed with a transaction committing as `valid`. */
function scripted(failures: Error[], valid = true) {
  const endorse = jest.fn(async () => {
    const failure = failures.shift();
    if (failure) throw failure;
    return {
      getResult: () => Buffer.from('ok'),
      submit: jest.fn(async () => ({ getStatus: async () => ({ successful: valid, code: valid ? 0 : 11, transactionId: 'tx-1', blockNumber: 7n }) })),
    };
  });
  const network = { getName: () => 'dao-x-v1', getContract: () => ({ newProposal: () => ({ endorse }) }) } as unknown as Network;
  return { network, endorse };
}

describe('isTransientEndorsementError', () => {
  it('takes an endorsement that found no endorsers, or could not reach or hear from the peer, as passing', () => {
    expect(isTransientEndorsementError(NO_ENDORSERS)).toBe(true);
    expect(isTransientEndorsementError(endorseError(GrpcStatus.UNAVAILABLE, '14 UNAVAILABLE'))).toBe(true);
    expect(isTransientEndorsementError(endorseError(GrpcStatus.DEADLINE_EXCEEDED, '4 DEADLINE_EXCEEDED'))).toBe(true);
  });

  it("does not retry a chaincode's refusal, a policy failure after submit, or anything that is not an endorsement", () => {
    expect(isTransientEndorsementError(endorseError(GrpcStatus.ABORTED, '10 ABORTED: chaincode response 500, FORBIDDEN: no'))).toBe(false);
    expect(isTransientEndorsementError(endorseError(GrpcStatus.FAILED_PRECONDITION, '9 FAILED_PRECONDITION: channel not found'))).toBe(false);
    const submit = new CommitStatusError({ code: GrpcStatus.UNAVAILABLE, cause: Object.assign(new Error('x'), { code: 14, details: 'x', metadata: new Metadata() }), transactionId: 'tx', details: [], message: 'x' });
    expect(isTransientEndorsementError(submit)).toBe(false);
    expect(isTransientEndorsementError(new Error('no combination of peers can be derived'))).toBe(false);
  });
});

describe('submitTransaction', () => {
  it('endorses again while no endorsers are found, then submits once and returns the committed transaction', async () => {
    const { network, endorse } = scripted([NO_ENDORSERS, endorseError(GrpcStatus.UNAVAILABLE, '14 UNAVAILABLE')]);
    const done = await submitTransaction(network, 'dao', 'CastVote', ['a'], { endorseForMs: 10_000 });
    expect(endorse).toHaveBeenCalledTimes(3);
    expect(done).toEqual({ txId: 'tx-1', result: Buffer.from('ok'), blockNumber: 7n });
  });

  it('gives up with the last error once its time is spent, and fails at once on a refusal', async () => {
    const lasting = scripted([NO_ENDORSERS, NO_ENDORSERS, NO_ENDORSERS, NO_ENDORSERS]);
    await expect(submitTransaction(lasting.network, 'dao', 'CastVote', [], { endorseForMs: 1_000 })).rejects.toBe(NO_ENDORSERS);
    expect(lasting.endorse.mock.calls.length).toBeLessThan(4);
    const refusal = endorseError(GrpcStatus.ABORTED, '10 ABORTED: chaincode response 500, FORBIDDEN: no');
    const refused = scripted([refusal]);
    await expect(submitTransaction(refused.network, 'dao', 'CastVote', [])).rejects.toBe(refusal);
    expect(refused.endorse).toHaveBeenCalledTimes(1);
  });

  it('throws when the transaction was not committed as valid', async () => {
    await expect(submitTransaction(scripted([], false).network, 'dao', 'CastVote', [])).rejects.toThrow('CastVote on dao-x-v1 was not committed: validation code 11');
  });
});
