// The e2e tier's global setup: the stack as for the integration tier, then the jest run holds the
// tier's pool of trust domains, so they are made once and parked once (libs/testing/src/jest/pool.ts).
// With more than one worker, its files take the locks their `@e2eLock` pragmas claim in a folder of
// the run's (libs/testing/src/jest/tier-locks.ts; the workers inherit the variable).
require('@swc-node/register');
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const setup = require('../../libs/testing/src/jest/global-setup.ts').default;
const { holdPool } = require('../../libs/testing/src/jest/pool.ts');
const { E2E_LOCK_DIR_ENV } = require('../../libs/testing/src/jest/tier-locks.ts');

module.exports = async function e2eGlobalSetup(globalConfig) {
  await setup();
  await holdPool();
  if (globalConfig.maxWorkers > 1) process.env[E2E_LOCK_DIR_ENV] = mkdtempSync(join(tmpdir(), 'datawell-e2e-locks-'));
};
