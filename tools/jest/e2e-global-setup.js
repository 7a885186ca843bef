// The e2e tier's global setup: the stack as for the integration tier, then the jest run holds the
// tier's pool of trust domains, so they are made once and parked once (libs/testing/src/jest/pool.ts).
require('@swc-node/register');
const setup = require('../../libs/testing/src/jest/global-setup.ts').default;
const { holdPool } = require('../../libs/testing/src/jest/pool.ts');

module.exports = async function e2eGlobalSetup() {
  await setup();
  await holdPool();
};
