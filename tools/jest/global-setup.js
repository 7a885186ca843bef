// Jest runs global setup outside its module registry (no path aliases), so the harness is loaded
// through the same TypeScript register the ./dev CLI uses.
require('@swc-node/register');
module.exports = require('../../libs/testing/src/jest/global-setup.ts').default;
