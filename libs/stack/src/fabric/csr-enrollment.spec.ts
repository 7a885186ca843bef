import { RESERVED_ENROLLMENT_ID } from './csr-enrollment';

describe('enrollment ids the stack keeps for itself at every CA', () => {
  it.each(['admin', 'ledger-bridge', 'mpc-node', 'admin.acme', 'peer0.acme', 'orderer2.operator'])('reserves %s', (id) => {
    expect(RESERVED_ENROLLMENT_ID.test(id)).toBe(true);
  });

  // A member provisioner's node identities are named after their workloads; people pick other names.
  it.each(['alice', 'mpc-node2', 'dm1-v1-dspmsp-node', 'ledger-bridge-2', 'peer.acme', 'administrator'])('leaves %s to people and nodes', (id) => {
    expect(RESERVED_ENROLLMENT_ID.test(id)).toBe(false);
  });
});
