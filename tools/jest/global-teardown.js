// The integration tier's global teardown: the pools' member domains parked once, when every file has
// ended, then the stack stopped (when the run started it and nobody keeps it).
require('@swc-node/register');
const teardown = require('../../libs/testing/src/jest/global-teardown.ts').default;
const { releaseIntegrationPool } = require('../../libs/testing/src/jest/pool.ts');

module.exports = async function integrationGlobalTeardown() {
  try {
    await releaseIntegrationPool();
  } catch (e) {
    process.stderr.write(`test: could not park the integration tier's pool of domains: ${e instanceof Error ? e.message : String(e)}\n`);
  }
  await teardown();
};
