import { OPERATOR_USER_SERVICES, ownSettings } from './runner';

describe("the operator's services run as the operator domain's user", () => {
  it('are all six, the ledger bridge and the provisioner among them', () => {
    expect([...OPERATOR_USER_SERVICES].sort()).toEqual(['ledger-bridge', 'marketplace', 'mpc-coordinator', 'negotiation', 'provisioner', 'telemetry']);
  });

  it("pass a service only its own settings from the tooling's environment (its clean environment gets nothing else)", () => {
    const env = { MARKETPLACE_ADMISSION: 'manual', MPC_COORDINATOR_STOCK_TRIPLES: '10', NODE_OPTIONS: '--max-old-space-size=256', DATAWELL_KAFKA_CREDENTIALS_FILE: '/root/secret.json', HOME: '/root', DATAWELL_TEST_RUN_MARK: 'run-1', UNSET: undefined };
    expect(ownSettings('marketplace', env)).toEqual({ MARKETPLACE_ADMISSION: 'manual', NODE_OPTIONS: '--max-old-space-size=256', DATAWELL_TEST_RUN_MARK: 'run-1' });
    expect(ownSettings('mpc-coordinator', env)).toEqual({ MPC_COORDINATOR_STOCK_TRIPLES: '10', NODE_OPTIONS: '--max-old-space-size=256', DATAWELL_TEST_RUN_MARK: 'run-1' });
    expect(ownSettings('negotiation', env)).toEqual({ NODE_OPTIONS: '--max-old-space-size=256', DATAWELL_TEST_RUN_MARK: 'run-1' });
  });
});
