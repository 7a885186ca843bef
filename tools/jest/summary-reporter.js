// Prints the closing line CI reads: "N passed, M failed". Suites that fail to run (a syntax error,
// a failed global setup) count as failed tests so they can never disappear from the count.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const passed = results.numPassedTests;
    process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  }
}
module.exports = SummaryReporter;
