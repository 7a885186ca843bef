// Prints the closing line CI reads: "N passed, M failed". Suites that fail to run (a syntax error,
// a failed import) count as failed tests so they can never disappear from the count. With
// DATAWELL_TEST_SUMMARY_FILE set, the counts are also written there for ./dev test to add up, with
// each failure named in one line (file, test, the first line of its message, where in the repository
// it was raised, and how many errors the test had), which ./dev test
// repeats just before the closing line: a CI log cut to its end still says what failed. The slowest
// test files are written there too (where CI's time goes). The file is written after every test file
// as well ("complete": false), so a run stopped midway still reports what it did.
const { relative } = require('node:path');
const { writeFileSync } = require('node:fs');

/** The first line of a failure message that says something (jest's start with "Error:" or an ANSI-coloured expectation). */
function firstLine(text) {
  const plain = String(text ?? '').replace(/\u001b\[[0-9;]*m/g, '');
  const line = plain.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/**
 * Where in the repository a failure was raised: the first frame of its stack in a file of the
 * repository outside node_modules, as ` (at path:line)`; '' when no frame is (a socket's error).
 */
function whereIn(text, rootDir) {
  const plain = String(text ?? '').replace(/\u001b\[[0-9;]*m/g, '');
  for (const line of plain.split('\n')) {
    const frame = /^\s*at (?:.*\()?(\/[^():]+):(\d+):\d+\)?\s*$/.exec(line);
    if (!frame || frame[1].includes('/node_modules/') || !frame[1].startsWith(`${rootDir}/`)) continue;
    return ` (at ${relative(rootDir, frame[1])}:${frame[2]})`;
  }
  return '';
}

/** A failed test in one line: its first message's first line and place, and how many more errors it had. */
function failureLine(messages, rootDir) {
  const more = messages.length > 1 ? ` (+${messages.length - 1} more)` : '';
  return `${firstLine(messages[0])}${whereIn(messages[0], rootDir)}${more}`;
}

/** How many of the slowest test files the summary names. */
const SLOWEST = 10;

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  /** After each file: the counts so far, so a run stopped midway (./dev test's time budget) still reports them. */
  onTestResult(_test, _result, aggregated) {
    const file = process.env.DATAWELL_TEST_SUMMARY_FILE;
    if (file) writeFileSync(file, JSON.stringify({ ...this.summary(aggregated), complete: false }));
  }

  onRunComplete(_contexts, results) {
    const summary = this.summary(results);
    const file = process.env.DATAWELL_TEST_SUMMARY_FILE;
    if (file) writeFileSync(file, JSON.stringify({ ...summary, complete: true }));
    else process.stdout.write(`\n${summary.failures.map((f) => `failed: ${f}\n`).join('')}${summary.passed} passed, ${summary.failed} failed\n`);
  }

  summary(results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const passed = results.numPassedTests;
    const failures = [];
    for (const suite of results.testResults) {
      const file = relative(this.rootDir, suite.testFilePath);
      if (suite.testExecError) failures.push(`${file}: ${firstLine(suite.testExecError.message)}`);
      for (const t of suite.testResults) if (t.status === 'failed') failures.push(`${file} › ${t.fullName}: ${failureLine(t.failureMessages, this.rootDir)}`);
    }
    const slowest = results.testResults
      .filter((suite) => suite.perfStats && suite.perfStats.end > suite.perfStats.start)
      .map((suite) => ({ file: relative(this.rootDir, suite.testFilePath), seconds: Math.round((suite.perfStats.end - suite.perfStats.start) / 1000) }))
      .sort((a, b) => b.seconds - a.seconds)
      .slice(0, SLOWEST);
    return { passed, failed, failures, slowest, files: results.testResults.length };
  }
}
module.exports = SummaryReporter;
