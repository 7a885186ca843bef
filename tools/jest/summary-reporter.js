// Prints the closing line CI reads: "N passed, M failed". Suites that fail to run (a syntax error,
// a failed import) count as failed tests so they can never disappear from the count. With
// DATAWELL_TEST_SUMMARY_FILE set, the counts are also written there for ./dev test to add up.
const { writeFileSync } = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const passed = results.numPassedTests;
    const file = process.env.DATAWELL_TEST_SUMMARY_FILE;
    if (file) writeFileSync(file, JSON.stringify({ passed, failed }));
    else process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  }
}
module.exports = SummaryReporter;
