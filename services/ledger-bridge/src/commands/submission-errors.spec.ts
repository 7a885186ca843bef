import { status as GrpcStatus, Metadata, type ServiceError } from '@grpc/grpc-js';
import { CommitError, CommitStatusError, EndorseError, StatusCode } from '@hyperledger/fabric-gateway';
import { SubmitError } from '@hyperledger/fabric-gateway/dist/submiterror';
import { IdentityNotFoundError } from '../wallet/wallet.adapter';
import { awaitingSource, classifySubmissionError } from './submission-errors';

function grpc(code: number, details = 'x'): ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new Metadata() });
}

const gatewayProps = (code: number) => ({
  code,
  cause: grpc(code),
  transactionId: 'tx1',
  details: [{ address: 'peer0:7051', mspId: 'OperatorMSP', message: 'chaincode response 500, no value for "k"' }],
  message: 'endorse failed',
});

describe('classifySubmissionError', () => {
  it('retries MVCC and phantom read conflicts with a new proposal', () => {
    for (const code of [StatusCode.MVCC_READ_CONFLICT, StatusCode.PHANTOM_READ_CONFLICT]) {
      const failure = classifySubmissionError(new CommitError({ code, transactionId: 'tx1', message: 'conflict' }));
      expect(failure?.retry).toBe('new-proposal');
      expect(failure?.transactionId).toBe('tx1');
    }
    expect(classifySubmissionError(new CommitError({ code: StatusCode.MVCC_READ_CONFLICT, transactionId: 't' }))?.code).toBe('MVCC_READ_CONFLICT');
  });

  it('does not retry other validation failures', () => {
    const failure = classifySubmissionError(new CommitError({ code: StatusCode.ENDORSEMENT_POLICY_FAILURE, transactionId: 't', message: 'policy' }));
    expect(failure).toEqual({ code: 'ENDORSEMENT_POLICY_FAILURE', message: 'policy', transactionId: 't' });
  });

  it('retries an unavailable or timed-out endorsement with a new proposal', () => {
    expect(classifySubmissionError(new EndorseError(gatewayProps(GrpcStatus.UNAVAILABLE)))).toMatchObject({ retry: 'new-proposal', code: 'ENDORSE_UNAVAILABLE' });
    expect(classifySubmissionError(new EndorseError(gatewayProps(GrpcStatus.DEADLINE_EXCEEDED)))).toMatchObject({ retry: 'new-proposal', code: 'ENDORSE_DEADLINE_EXCEEDED' });
  });

  it('retries an endorsement for which the gateway found no set of live endorsers, and no other failed precondition', () => {
    const noEndorsers = { ...gatewayProps(GrpcStatus.FAILED_PRECONDITION), message: '9 FAILED_PRECONDITION: no combination of peers can be derived which satisfy the endorsement policy: no peer combination can satisfy the endorsement policy' };
    expect(classifySubmissionError(new EndorseError(noEndorsers))).toMatchObject({ retry: 'new-proposal', code: 'ENDORSE_FAILED_PRECONDITION' });
    expect(classifySubmissionError(new EndorseError({ ...gatewayProps(GrpcStatus.FAILED_PRECONDITION), message: 'channel not found' }))?.retry).toBeUndefined();
    expect(classifySubmissionError(new SubmitError(noEndorsers))?.retry).toBeUndefined();
  });

  it('retries an unavailable submit or commit status with the same transaction, never a new one', () => {
    expect(classifySubmissionError(new SubmitError(gatewayProps(GrpcStatus.UNAVAILABLE)))).toMatchObject({ retry: 'same-transaction', code: 'SUBMIT_UNAVAILABLE' });
    expect(classifySubmissionError(new CommitStatusError(gatewayProps(GrpcStatus.DEADLINE_EXCEEDED)))).toMatchObject({ retry: 'same-transaction', code: 'COMMIT_STATUS_DEADLINE_EXCEEDED' });
  });

  it('fails a chaincode refusal at once, with the chaincode message from the details', () => {
    const failure = classifySubmissionError(new EndorseError(gatewayProps(GrpcStatus.ABORTED)));
    expect(failure?.retry).toBeUndefined();
    expect(failure?.code).toBe('ENDORSE_ABORTED');
    expect(failure?.message).toContain('no value for "k"');
    expect(failure?.transactionId).toBe('tx1');
    // Not in the chaincode's `CODE: message` form: no chaincode code to report.
    expect(failure?.chaincode).toBeUndefined();
  });

  it("reports the chaincode's own code and message when the chaincode refused", () => {
    const refused = {
      ...gatewayProps(GrpcStatus.ABORTED),
      details: [
        { address: 'peer0:7051', mspId: 'OperatorMSP', message: 'chaincode response 500, NOT_FOUND: no DAO ghost in the directory' },
        { address: 'peer1:7051', mspId: 'OtherMSP', message: 'chaincode response 500, NOT_FOUND: no DAO ghost in the directory' },
      ],
    };
    const failure = classifySubmissionError(new EndorseError(refused));
    expect(failure).toMatchObject({ code: 'ENDORSE_ABORTED', chaincode: { code: 'NOT_FOUND', message: 'no DAO ghost in the directory' } });
    expect(failure?.retry).toBeUndefined();
  });

  it('fails a command for an organisation without an identity, and leaves other errors to the caller', () => {
    expect(classifySubmissionError(new IdentityNotFoundError('NobodyMSP'))).toEqual({
      code: 'WALLET_IDENTITY_NOT_FOUND',
      message: 'the wallet holds no identity for NobodyMSP',
    });
    expect(classifySubmissionError(new Error('connection terminated'))).toBeUndefined();
  });

  it("endorses a relay again when an endorser has not yet committed the source allocation, and nothing else on NOT_FOUND", () => {
    const lagging = {
      ...gatewayProps(GrpcStatus.ABORTED),
      details: [{ address: 'peer0.vsp:7051', mspId: 'VspMSP', message: 'chaincode response 500, NOT_FOUND: no allocation for transaction t2 on dao-d-v2 (chaincode dao): NOT_FOUND: transaction t2 made no allocation' }],
    };
    const failure = classifySubmissionError(new EndorseError(lagging))!;
    expect(failure.retry).toBeUndefined();
    expect(awaitingSource({ transaction: 'AllocationReceived' }, failure)).toMatchObject({ retry: 'new-proposal', chaincode: { code: 'NOT_FOUND' } });
    expect(awaitingSource({ transaction: 'RecordRevenue' }, failure).retry).toBeUndefined();
    const conflict = classifySubmissionError(new EndorseError({ ...lagging, details: [{ ...lagging.details[0]!, message: 'chaincode response 500, CONFLICT: relay t2 was received with amount 5' }] }))!;
    expect(awaitingSource({ transaction: 'AllocationReceived' }, conflict).retry).toBeUndefined();
  });
});
