import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { CommitStatusError, EndorseError, type Network } from '@hyperledger/fabric-gateway';
import { isTransientEndorsementError, submitTransaction } from './endorse';
import { isPrivateDataPending } from './private';
import { DAO } from '@datawell/contracts';

function endorseError(code: number, message: string, details: { mspId: string; address: string; message: string }[] = []) {
  return new EndorseError({ code, cause: Object.assign(new Error(message), { code, details: message, metadata: new Metadata() }), transactionId: 'tx', details, message });
}
const ABORTED = '10 ABORTED: failed to collect enough transaction endorsements, see attached details for more info';
const peerSaid = (message: string, mspId = 'Vsp1MSP') => ({ mspId, address: 'peer0.vsp1:27051', message });
const NOT_DEFINED_YET = peerSaid("make sure the chaincode dao has been successfully defined on channel dao-x-v3 and try again: chaincode definition for 'dao' not found");
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
  const newProposal = jest.fn(() => ({ endorse }));
  const network = { getName: () => 'dao-x-v1', getContract: () => ({ newProposal }) } as unknown as Network;
  return { network, endorse, newProposal };
}

describe('isTransientEndorsementError', () => {
  it('takes an endorsement that found no endorsers, or could not reach or hear from the peer, as passing', () => {
    expect(isTransientEndorsementError(NO_ENDORSERS)).toBe(true);
    expect(isTransientEndorsementError(endorseError(GrpcStatus.UNAVAILABLE, '14 UNAVAILABLE'))).toBe(true);
    expect(isTransientEndorsementError(endorseError(GrpcStatus.DEADLINE_EXCEEDED, '4 DEADLINE_EXCEEDED'))).toBe(true);
  });

  it('takes an abort where every failing peer says the chaincode is not ready there yet as passing, and not one where a peer refused', () => {
    expect(isTransientEndorsementError(endorseError(GrpcStatus.ABORTED, ABORTED, [NOT_DEFINED_YET]))).toBe(true);
    const launching = peerSaid('error in simulation: failed to execute transaction: could not launch chaincode dao_1.0:ab12: timeout expired while starting chaincode dao_1.0:ab12 for transaction', 'DspMSP');
    expect(isTransientEndorsementError(endorseError(GrpcStatus.ABORTED, ABORTED, [NOT_DEFINED_YET, launching]))).toBe(true);
    const refused = peerSaid('chaincode response 500, FORBIDDEN: DspMSP may not do that', 'DspMSP');
    expect(isTransientEndorsementError(endorseError(GrpcStatus.ABORTED, ABORTED, [NOT_DEFINED_YET, refused]))).toBe(false);
    expect(isTransientEndorsementError(endorseError(GrpcStatus.ABORTED, ABORTED, []))).toBe(false);
  });

  it('takes an abort where the endorsers answered differently (one peer a block behind) as passing, and not with a refusal beside it', () => {
    const differ = peerSaid('ProposalResponsePayloads do not match', 'DspMSP');
    expect(isTransientEndorsementError(endorseError(GrpcStatus.ABORTED, ABORTED, [differ]))).toBe(true);
    expect(isTransientEndorsementError(endorseError(GrpcStatus.ABORTED, ABORTED, [differ, peerSaid('chaincode response 500, CONFLICT: no')]))).toBe(false);
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
  it('names the endorsing organisations to the Gateway only when asked to', async () => {
    const named = scripted([]);
    await submitTransaction(named.network, 'marketplace', 'Register', ['a'], { endorsingOrganizations: ['DspMSP', 'Vsp1MSP'] });
    expect(named.newProposal).toHaveBeenCalledWith('Register', { arguments: ['a'], endorsingOrganizations: ['DspMSP', 'Vsp1MSP'] });
    const chosen = scripted([]);
    await submitTransaction(chosen.network, 'marketplace', 'Register', ['a']);
    expect(chosen.newProposal).toHaveBeenCalledWith('Register', { arguments: ['a'] });
  });

  it("sends a private chaincode's arguments in transient data with a fresh salt, and reads its sealed response back from the peer", async () => {
    const sealed = scripted([]);
    const endorsed = { getResult: () => Buffer.from('{"sealed":"tx1"}'), submit: jest.fn(async () => ({ getStatus: async () => ({ successful: true, code: 0, transactionId: 'tx1', blockNumber: 3n }) })) };
    sealed.endorse.mockResolvedValueOnce(endorsed as never);
    const evaluateTransaction = jest.fn(async () => Buffer.from(JSON.stringify({ txId: 'tx1', response: '{"betaPpm":600000}' })));
    const network = { getName: () => 'dao-x-v1', getContract: () => ({ newProposal: sealed.newProposal, evaluateTransaction }) } as unknown as Network;
    const done = await submitTransaction(network, 'dao', 'InitVersion', ['{"a":1}', 'b']);
    const [, options] = sealed.newProposal.mock.calls[0] as unknown as [string, { arguments: string[]; transientData: Record<string, Uint8Array> }];
    expect(options.arguments).toEqual(['', '']);
    expect(JSON.parse(Buffer.from(options.transientData['args'] as Uint8Array).toString('utf8'))).toEqual(['{"a":1}', 'b']);
    expect(options.transientData['salt']).toHaveLength(32);
    expect(evaluateTransaction).toHaveBeenCalledWith(DAO.tx.GetTransaction, 'tx1');
    expect(Buffer.from(done.result).toString('utf8')).toBe('{"betaPpm":600000}');
  });

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

  it("says in the thrown error's message what each peer answered", async () => {
    const refused = endorseError(GrpcStatus.ABORTED, ABORTED, [peerSaid('chaincode response 500, FORBIDDEN: no')]);
    await expect(submitTransaction(scripted([refused]).network, 'dao', 'CastVote', [])).rejects.toThrow(`${ABORTED} (Vsp1MSP@peer0.vsp1:27051: chaincode response 500, FORBIDDEN: no)`);
    const notReady = scripted([endorseError(GrpcStatus.ABORTED, ABORTED, [NOT_DEFINED_YET])]);
    await expect(submitTransaction(notReady.network, 'dao', 'InitVersion', [], { endorseForMs: 10_000 })).resolves.toMatchObject({ txId: 'tx-1' });
    expect(notReady.endorse).toHaveBeenCalledTimes(2);
  });

  it('throws when the transaction was not committed as valid', async () => {
    await expect(submitTransaction(scripted([], false).network, 'dao', 'CastVote', [])).rejects.toThrow('CastVote on dao-x-v1 was not committed: validation code 11');
  });
});

describe('isPrivateDataPending', () => {
  it("takes a peer that has not pulled or reconciled a DAO's private data yet as pending, and a refusal as not", () => {
    const reconciling = Object.assign(new Error('2 UNKNOWN: evaluate call to endorser returned error: chaincode response 500, GET_STATE failed: transaction ID: ab: private data matching public hash version is not available. Public hash version = {BlockNum: 5, TxNum: 0}, Private data version = <nil>'), { details: [] });
    expect(isPrivateDataPending(reconciling)).toBe(true);
    expect(isPrivateDataPending(Object.assign(new Error('2 UNKNOWN: see attached details'), { details: [{ message: 'chaincode response 500, NOT_FOUND: no private record of transaction tx1 on this peer' }] }))).toBe(true);
    expect(isPrivateDataPending(new Error('chaincode response 500, FORBIDDEN: OutsiderMSP is not a member'))).toBe(false);
  });
});
