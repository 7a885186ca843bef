// The integration and e2e tiers' environment: node's, with DATAWELL_DOMAIN_HOLDER naming the test file
// (`<pid>:<file>`) for the stack tooling, so every member domain the file takes up (addDomain in the
// test, or `./dev domain add` and `./dev scenario` in a child process) is recorded as the file's. Set
// on this process's own environment before the file's copy is made: children spawned without an
// `env` see it too. When the file has ended, after its own afterAll hooks (its in-process services
// still use the domains' stores until then), the domains it alone still holds are set aside
// (libs/testing/src/jest/park-domains.ts); the e2e tier's pool, held by the jest run itself, stays up
// for the next file (libs/testing/src/jest/pool.ts).
const { relative } = require('node:path');
const { TestEnvironment } = require('jest-environment-node');

class TestFileEnvironment extends TestEnvironment {
  constructor(config, context) {
    const holder = `${process.pid}:${relative(config.projectConfig.rootDir, context.testPath)}`;
    process.env['DATAWELL_DOMAIN_HOLDER'] = holder;
    super(config, context);
    this.holder = holder;
  }

  async teardown() {
    await super.teardown();
    try {
      // Outside jest's module registry (no path aliases): through the TypeScript register the ./dev CLI uses, as global-setup.js.
      require('@swc-node/register');
      await require('../../libs/testing/src/jest/park-domains.ts').parkDomainsOfFile(this.holder);
    } catch (e) {
      // The file's results stand; its domains stay up and the next file that holds them parks them.
      process.stderr.write(`test: could not set aside the member domains of ${this.holder}: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
}

module.exports = TestFileEnvironment;
