// The e2e tier's global teardown: the pool's domains parked once, when every file has ended, and the
// operator's services the files left running stopped, then the stack stopped as for the integration
// tier (when the run started it and nobody keeps it).
require('@swc-node/register');
const teardown = require('../../libs/testing/src/jest/global-teardown.ts').default;
const { releasePool, stopTierOperatorServices } = require('../../libs/testing/src/jest/pool.ts');

module.exports = async function e2eGlobalTeardown() {
  try {
    await releasePool();
  } catch (e) {
    process.stderr.write(`test: could not park the e2e tier's pool of domains: ${e instanceof Error ? e.message : String(e)}\n`);
  }
  try {
    await stopTierOperatorServices();
  } catch (e) {
    process.stderr.write(`test: could not stop the operator's services after the e2e tier: ${e instanceof Error ? e.message : String(e)}\n`);
  }
  // The files' lock folder (with more than one worker): every file has let go of its locks by now.
  const locks = process.env['DATAWELL_E2E_LOCK_DIR'];
  if (locks) require('node:fs').rmSync(locks, { recursive: true, force: true });
  await teardown();
};
