import { MARKETPLACE, MARKETPLACE_CHANNEL } from '@datawell/contracts';
import { testGateway } from '../../../../services/ledger-bridge/test/integration/harness';

/** A participant as the ledger records it: GetParticipant on the operator's peer (T: the fields a test reads). */
export async function participantOnLedger<T = { mspId: string; role: string; status: string; caCertPem: string }>(mspId: string): Promise<T> {
  const gateway = await testGateway();
  try {
    const call = MARKETPLACE.invocation(MARKETPLACE.tx.GetParticipant, mspId);
    return JSON.parse(Buffer.from(await gateway.gateway.getNetwork(MARKETPLACE_CHANNEL).getContract(call.chaincode).evaluateTransaction(call.transaction, ...call.arguments)).toString('utf8')) as T;
  } finally {
    gateway.close();
  }
}
