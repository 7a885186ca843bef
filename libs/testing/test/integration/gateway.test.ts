import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createChannel, deployChaincode, enrollClientIdentity, PROBE_CHAINCODE } from '@datawell/stack';
import { REPO_DIR, stackConnection, testStackContext } from '../../src';

/** The operator's own channel for these tests: `marketplace` grows (and its policy with it) as participants join. */
const CHANNEL = 'probe-gateway';
import { connectGateway, type GatewayConnection } from '@datawell/fabric';

const decode = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

describe('Fabric Gateway against the native network', () => {
  let conn: GatewayConnection;
  const user = `it-user-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    const org = stackConnection().fabric.orgs['OperatorMSP'];
    if (!org) throw new Error('the test stack has no OperatorMSP organisation');
    await createChannel(testStackContext(), CHANNEL, ['OperatorMSP']);
    await deployChaincode(testStackContext(), { name: PROBE_CHAINCODE, channel: CHANNEL, modulePath: join(REPO_DIR, 'chaincode', 'hello') });
    const identity = await enrollClientIdentity(testStackContext(), 'OperatorMSP', user);
    conn = connectGateway({ endpoint: org.peer.endpoint, hostAlias: org.peer.hostAlias, tlsCaPem: readFileSync(org.peer.tlsCaFile, 'utf8') }, identity);
  });
  afterAll(() => conn?.close());

  it('evaluates the probe chaincode as an identity enrolled at the operator CA', async () => {
    const contract = conn.gateway.getNetwork(CHANNEL).getContract(PROBE_CHAINCODE);
    const answer = JSON.parse(decode(await contract.evaluateTransaction('Ping'))) as { pong: boolean; mspId: string };
    expect(answer).toEqual({ pong: true, mspId: 'OperatorMSP' });
  });

  it('submits a transaction that is ordered, committed and readable, with its chaincode event', async () => {
    const network = conn.gateway.getNetwork(CHANNEL);
    const contract = network.getContract(PROBE_CHAINCODE);
    const key = `k-${randomBytes(4).toString('hex')}`;
    const value = `v-${randomBytes(8).toString('hex')}`;
    const commit = await contract.submitAsync('Put', { arguments: [key, value] });
    const status = await commit.getStatus();
    expect(status.successful).toBe(true);
    expect(decode(await contract.evaluateTransaction('Get', key))).toBe(value);

    const events = await network.getChaincodeEvents(PROBE_CHAINCODE, { startBlock: status.blockNumber });
    try {
      for await (const event of events) {
        if (event.transactionId !== status.transactionId) continue;
        expect(event.eventName).toBe('ProbePut');
        expect(JSON.parse(decode(event.payload))).toEqual({ key, writer: 'OperatorMSP' });
        break;
      }
    } finally {
      events.close();
    }
  });

  it('rejects a transaction with bad arguments with the chaincode error', async () => {
    const contract = conn.gateway.getNetwork(CHANNEL).getContract(PROBE_CHAINCODE);
    await expect(contract.evaluateTransaction('Get', 'no-such-key')).rejects.toThrow(/no value for "no-such-key"/);
  });
});
