import { stackContext } from '../../src/context';
import { runComputeOnStack } from '../../src/commands/scenario';
import { stopServices, stopWorkloads } from '../../src/services/runner';

/**
 * Step 7 of the life cycle through the six services as `./dev up` runs them (`./dev scenario compute`):
 * the provisioner runs a DAO's MPC nodes from its infrastructure spec, the coordinator finds them on
 * the ledger, and a VSP gets the mean of the DSP's readings — which only the DSP's node read —
 * recorded on the ledger, with a refused request beside it in the DSP's usage trail.
 */
describe('a secure computation on the nodes the provisioner runs', () => {
  const ctx = stackContext();

  afterAll(async () => {
    await stopServices(ctx);
    await stopWorkloads(ctx);
  });

  it('registers the mesh from the ledger, computes the mean for the recipient only, and records it', async () => {
    // Each wait up to 10 min: last in a rehearsal's e2e tier (load average 48, about 30 peers), the two
    // nodes' provisioning was reported on the ledger 5 min 3 s after the channel, past the 300 s default.
    const result = await runComputeOnStack(400, 'E2eCp', 600_000);
    expect(result.nodes).toEqual([
      { mspId: 'E2eCpDspMSP', partyIndex: 0, source: 'ledger' },
      { mspId: 'E2eCpVspMSP', partyIndex: 1, source: 'ledger' },
    ]);
    expect(result.status).toBe('completed');
    // Fixed point: the documented precision of a mean is far below 2^-10.
    expect(Math.abs(result.mean - result.reference)).toBeLessThan(2 ** -10);
    expect(result.resultDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(result.recordedOnLedger).toBe(true);
    // The DSP's usage trail of the readings: the granted request and the one the terms refuse, each a ledger transaction.
    expect(result.usage).toEqual([
      { txId: expect.stringMatching(/^[0-9a-f]{64}$/), requester: 'E2eCpVspMSP', computation: 'mean', recipients: ['E2eCpVspMSP'], outcome: 'granted' },
      { txId: expect.stringMatching(/^[0-9a-f]{64}$/), requester: 'E2eCpVspMSP', computation: 'mean', recipients: ['E2eCpDspMSP'], outcome: 'refused', check: 'recipients-allowed' },
    ]);
  }, 1_200_000);
});
