'use strict';

const { randomBytes } = require('node:crypto');

/**
 * A Caliper workload module (the interface of @hyperledger/caliper-core's WorkloadModuleBase,
 * implemented directly: Caliper is installed outside the repository, so its packages are not
 * resolvable from this folder). `makeRequest(n)` builds the n-th transaction of this worker; ids
 * are unique across workers and runs (a random run id, the worker index, a counter).
 * Transactions alternate between the organisations' client identities, so both peers act as
 * gateway in turn, the same way in every round.
 */
function workload(makeArgs) {
  return class {
    async initializeWorkloadModule(workerIndex, totalWorkers, roundIndex, roundArguments, sutAdapter) {
      this.sutAdapter = sutAdapter;
      this.args = roundArguments;
      this.prefix = `${randomBytes(4).toString('hex')}-w${workerIndex}-r${roundIndex}`;
      this.n = 0;
    }

    async submitTransaction() {
      const n = this.n++;
      const invoker = this.args.invokers[n % this.args.invokers.length];
      const args = makeArgs(`${this.prefix}-${n}`, n);
      // A private chaincode (the dao's, docs/ledger.md "Private data") takes its arguments from transient data, with a fresh salt.
      const privately = this.args.private === true;
      return this.sutAdapter.sendRequests({
        contractId: this.args.contractId,
        contractFunction: this.args.contractFunction,
        contractArguments: privately ? args.map(() => '') : args,
        ...(privately ? { transientMap: { args: Buffer.from(JSON.stringify(args)), salt: randomBytes(32) } } : {}),
        invokerMspId: invoker.mspId,
        invokerIdentity: invoker.identity,
        readOnly: false,
      });
    }

    async cleanupWorkloadModule() {}
  };
}

module.exports = { workload };
