// The integration and e2e tiers' environment: node's, with DATAWELL_DOMAIN_HOLDER naming the test file
// (`<pid>:<file>`) for the stack tooling, so every member domain the file takes up (addDomain in the
// test, or `./dev domain add` and `./dev scenario` in a child process) is recorded as the file's, and
// park-domains.js sets aside those it alone still holds when the file ends. Set on this process's
// own environment before the file's copy is made: children spawned without an `env` see it too.
const { relative } = require('node:path');
const { TestEnvironment } = require('jest-environment-node');

class TestFileEnvironment extends TestEnvironment {
  constructor(config, context) {
    process.env['DATAWELL_DOMAIN_HOLDER'] = `${process.pid}:${relative(config.projectConfig.rootDir, context.testPath)}`;
    super(config, context);
  }
}

module.exports = TestFileEnvironment;
