// Three tiers (CONVENTIONS.md §10): unit specs beside the code, integration and e2e tests against the
// real native stack, which the testing harness starts once per run.
const { pathsToModuleNameMapper } = require('./tools/jest/paths');

const swc = ['@swc/jest', { swcrc: true }];

// `--selectProjects` takes every following word as a project name, so `jest --selectProjects unit
// libs/x` would run every unit test; words after it that look like paths filter the tests instead.
const selected = (() => {
  const at = process.argv.indexOf('--selectProjects');
  if (at < 0) return [];
  const words = [];
  for (const word of process.argv.slice(at + 1)) {
    if (word.startsWith('-')) break;
    words.push(word);
  }
  return words.filter((w) => w.includes('/') || w.endsWith('.ts'));
})();
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const onlyPaths = selected.length ? [`^(?!.*(${selected.map(escape).join('|')})).*$`] : [];
const common = {
  rootDir: __dirname,
  transform: { '^.+\\.ts$': swc },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: pathsToModuleNameMapper(),
  testEnvironment: 'node',
  testPathIgnorePatterns: ['/node_modules/', '/.stack/', '/.stack-e2e/', '/dist/', ...onlyPaths],
  // The compiled tree (./dev's build) has package.json files named like the workspaces'.
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  setupFiles: ['<rootDir>/tools/jest/quiet-chaincode.js'],
};

module.exports = {
  reporters: ['default', '<rootDir>/tools/jest/summary-reporter.js'],
  testSequencer: '<rootDir>/tools/jest/sequencer.js',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,services,workloads,chaincode,tools,bench}/**/*.spec.ts'], setupFilesAfterEnv: ['<rootDir>/tools/jest/unit-timeout.js'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,services,workloads,chaincode,tools}/**/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/tools/jest/global-setup.js',
      globalTeardown: '<rootDir>/tools/jest/global-teardown.js',
      testEnvironment: '<rootDir>/tools/jest/test-file-environment.js',
      setupFilesAfterEnv: ['<rootDir>/tools/jest/integration-timeout.js'],
    },
    // Whole life cycles: the services run as processes on their default ports and consumer groups,
    // so `./dev test` runs this tier on its own, after the others, one file at a time.
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/{apps,libs,services,chaincode,tools}/**/test/e2e/**/*.test.ts'],
      // Its files share a pool of trust domains, held by the run (libs/testing/src/jest/pool.ts).
      globalSetup: '<rootDir>/tools/jest/e2e-global-setup.js',
      globalTeardown: '<rootDir>/tools/jest/e2e-global-teardown.js',
      testEnvironment: '<rootDir>/tools/jest/test-file-environment.js',
      setupFilesAfterEnv: ['<rootDir>/tools/jest/integration-timeout.js'],
    },
  ],
};
