// Prints the skipped tests (whose names say why) and one plain closing line,
// "jest: N passed, N failed, N skipped", that CI reads.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = [];
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        if (test.status === 'pending' || test.status === 'skipped' || test.status === 'todo')
          skipped.push(test.fullName);
      }
    }
    for (const name of skipped) process.stdout.write(`SKIPPED: ${name}\n`);
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(
      `\njest: ${results.numPassedTests} passed, ${failed} failed, ${skipped.length} skipped\n`,
    );
  }
}
module.exports = SummaryReporter;
