// Jest runs global setup outside its module registry (no path aliases), so the harness is loaded
// through the same TypeScript register the ./dev CLI uses. The integration tier's setup: the stack,
// then the jest run holds every worker's pool of member domains (libs/testing/src/jest/pool.ts), so
// they are made once and parked once.
require('@swc-node/register');
const setup = require('../../libs/testing/src/jest/global-setup.ts').default;
const { holdIntegrationPool } = require('../../libs/testing/src/jest/pool.ts');

module.exports = async function integrationGlobalSetup() {
  await setup();
  await holdIntegrationPool();
};
