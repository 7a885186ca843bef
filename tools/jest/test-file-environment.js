// The integration and e2e tiers' environment: node's, with DATAWELL_DOMAIN_HOLDER naming the test file
// (`<pid>:<file>`) for the stack tooling, so every member domain the file takes up (addDomain in the
// test, or `./dev domain add` and `./dev scenario` in a child process) is recorded as the file's. Set
// on this process's own environment before the file's copy is made: children spawned without an
// `env` see it too. When the file has ended, after its own afterAll hooks (its in-process services
// still use the domains' stores until then), the domains it alone still holds are set aside
// (libs/testing/src/jest/park-domains.ts); the e2e tier's pool, held by the jest run itself, stays up
// for the next file (libs/testing/src/jest/pool.ts).
// When the e2e tier runs two files at once (its global setup names a lock folder), a file first takes
// the locks its `@e2eLock` pragma claims (libs/testing/src/jest/tier-locks.ts) and lets go of them
// after its domains were set aside.
const { relative } = require('node:path');
const { TestEnvironment } = require('jest-environment-node');

class TestFileEnvironment extends TestEnvironment {
  constructor(config, context) {
    const file = relative(config.projectConfig.rootDir, context.testPath);
    const holder = `${process.pid}:${file}`;
    process.env['DATAWELL_DOMAIN_HOLDER'] = holder;
    super(config, context);
    this.holder = holder;
    this.file = file;
    this.lockPragma = context.docblockPragmas?.['e2eLock'];
    this.testPath = context.testPath;
  }

  async setup() {
    await super.setup();
    const dir = process.env['DATAWELL_E2E_LOCK_DIR'];
    if (!dir) return;
    require('@swc-node/register');
    const { e2eOrderOf, parseClaims, takeE2eLocks } = require('../../libs/testing/src/jest/tier-locks.ts');
    this.releaseLocks = await takeE2eLocks(dir, this.file, parseClaims(this.lockPragma, this.file), (line) => process.stderr.write(`test: ${line}\n`), e2eOrderOf(this.testPath));
  }

  async teardown() {
    try {
      await super.teardown();
      try {
        // Outside jest's module registry (no path aliases): through the TypeScript register the ./dev CLI uses, as global-setup.js.
        require('@swc-node/register');
        await require('../../libs/testing/src/jest/park-domains.ts').parkDomainsOfFile(this.holder);
      } catch (e) {
        // The file's results stand; its domains stay up and the next file that holds them parks them.
        process.stderr.write(`test: could not set aside the member domains of ${this.holder}: ${e instanceof Error ? e.message : String(e)}\n`);
      }
    } finally {
      await this.releaseLocks?.();
    }
  }
}

module.exports = TestFileEnvironment;
