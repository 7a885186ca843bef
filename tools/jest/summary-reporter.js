// Prints the closing line CI reads: "N passed, M failed". Suites that fail to run (a syntax error,
// a failed import) count as failed tests so they can never disappear from the count. With
// DATAWELL_TEST_SUMMARY_FILE set, the counts are also written there for ./dev test to add up, with
// each failure named in one line (file, test, the first line of its message), which ./dev test
// repeats just before the closing line: a CI log cut to its end still says what failed. The slowest
// test files are written there too (where CI's time goes).
const { relative } = require('node:path');
const { writeFileSync } = require('node:fs');

/** The first line of a failure message that says something (jest's start with "Error:" or an ANSI-coloured expectation). */
function firstLine(text) {
  const plain = String(text ?? '').replace(/\u001b\[[0-9;]*m/g, '');
  const line = plain.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/** How many of the slowest test files the summary names. */
const SLOWEST = 10;

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const passed = results.numPassedTests;
    const failures = [];
    for (const suite of results.testResults) {
      const file = relative(this.rootDir, suite.testFilePath);
      if (suite.testExecError) failures.push(`${file}: ${firstLine(suite.testExecError.message)}`);
      for (const t of suite.testResults) if (t.status === 'failed') failures.push(`${file} › ${t.fullName}: ${firstLine(t.failureMessages[0])}`);
    }
    const slowest = results.testResults
      .filter((suite) => suite.perfStats && suite.perfStats.end > suite.perfStats.start)
      .map((suite) => ({ file: relative(this.rootDir, suite.testFilePath), seconds: Math.round((suite.perfStats.end - suite.perfStats.start) / 1000) }))
      .sort((a, b) => b.seconds - a.seconds)
      .slice(0, SLOWEST);
    const file = process.env.DATAWELL_TEST_SUMMARY_FILE;
    if (file) writeFileSync(file, JSON.stringify({ passed, failed, failures, slowest }));
    else process.stdout.write(`\n${failures.map((f) => `failed: ${f}\n`).join('')}${passed} passed, ${failed} failed\n`);
  }
}
module.exports = SummaryReporter;
