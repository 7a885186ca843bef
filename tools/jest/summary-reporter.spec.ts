import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const SummaryReporter = require('./summary-reporter.js') as new (config: { rootDir: string }) => {
  onRunComplete(contexts: unknown, results: unknown): void;
  onTestResult(test: unknown, result: unknown, aggregated: unknown): void;
};

describe("the tests' summary reporter", () => {
  const dir = mkdtempSync(join(tmpdir(), 'summary-spec-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('counts a suite that failed to run as a failure and names every failure in one line, colour and later lines left out', () => {
    const file = join(dir, 'summary.json');
    process.env['DATAWELL_TEST_SUMMARY_FILE'] = file;
    try {
      new SummaryReporter({ rootDir: '/repo' }).onRunComplete([], {
        numFailedTests: 2,
        numRuntimeErrorTestSuites: 1,
        numPassedTests: 7,
        testResults: [
          {
            testFilePath: '/repo/tools/cli/test/e2e/subscription.test.ts',
            perfStats: { start: 1_000, end: 101_400 },
            testResults: [
              { status: 'passed', fullName: 'fine', failureMessages: [] },
              { status: 'failed', fullName: 'a subscription DAO › charges every period once', failureMessages: ['\u001b[31mError: timed out waiting for version 1\u001b[39m\n    at until (api.ts:57:38)'] },
              {
                status: 'failed',
                fullName: 'a subscription DAO › pays out',
                failureMessages: [
                  'Error: expect(received).toHaveLength(expected)\n    at Object.toHaveLength (/repo/node_modules/expect/build/index.js:1:2)\n    at check (/repo/tools/cli/test/e2e/subscription.test.ts:412:38)\n    at /repo/tools/cli/test/e2e/subscription.test.ts:80:5',
                  'Error: connect ECONNREFUSED 127.0.0.1:1\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1611:16)',
                  'Error: connect ECONNREFUSED 127.0.0.1:1',
                ],
              },
            ],
          },
          { testFilePath: '/repo/libs/x/broken.spec.ts', testExecError: { message: '\n  Cannot find module "y"\n  stack' }, testResults: [] },
          { testFilePath: '/repo/libs/x/quick.spec.ts', perfStats: { start: 5_000, end: 7_600 }, testResults: [{ status: 'passed', fullName: 'quick', failureMessages: [] }] },
        ],
      });
    } finally {
      delete process.env['DATAWELL_TEST_SUMMARY_FILE'];
    }
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      passed: 7,
      failed: 3,
      failures: [
        // A frame outside the repository (api.ts here has no absolute path) is not named.
        'tools/cli/test/e2e/subscription.test.ts › a subscription DAO › charges every period once: Error: timed out waiting for version 1',
        // The first frame of the repository outside node_modules, and how many errors the test had.
        'tools/cli/test/e2e/subscription.test.ts › a subscription DAO › pays out: Error: expect(received).toHaveLength(expected) (at tools/cli/test/e2e/subscription.test.ts:412) (+2 more)',
        'libs/x/broken.spec.ts: Cannot find module "y"',
      ],
      // The slowest files first, with their wall time; a suite that never ran has none.
      slowest: [
        { file: 'tools/cli/test/e2e/subscription.test.ts', seconds: 100 },
        { file: 'libs/x/quick.spec.ts', seconds: 3 },
      ],
      files: 3,
      complete: true,
    });
  });

  it('writes the counts so far after each test file, marked incomplete, for a run stopped midway', () => {
    const file = join(dir, 'partial.json');
    process.env['DATAWELL_TEST_SUMMARY_FILE'] = file;
    const reporter = new SummaryReporter({ rootDir: '/repo' });
    const suite = (name: string, status: string) => ({ testFilePath: `/repo/${name}`, perfStats: { start: 0, end: 2_000 }, testResults: [{ status, fullName: name, failureMessages: status === 'failed' ? ['Error: no'] : [] }] });
    try {
      reporter.onTestResult({}, {}, { numFailedTests: 0, numRuntimeErrorTestSuites: 0, numPassedTests: 1, testResults: [suite('a.test.ts', 'passed')] });
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ passed: 1, failed: 0, files: 1, complete: false });
      reporter.onTestResult({}, {}, { numFailedTests: 1, numRuntimeErrorTestSuites: 0, numPassedTests: 1, testResults: [suite('a.test.ts', 'passed'), suite('b.test.ts', 'failed')] });
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ passed: 1, failed: 1, files: 2, complete: false, failures: ['b.test.ts › b.test.ts: Error: no'] });
    } finally {
      delete process.env['DATAWELL_TEST_SUMMARY_FILE'];
    }
  });
});
