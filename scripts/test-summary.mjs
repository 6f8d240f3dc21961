// Prints vitest's totals as one plain line ("Tests: N passed, N failed, N skipped") for CI logs,
// summed over the JSON reports given (default .tmp/vitest.json).
import { existsSync, readFileSync } from 'node:fs';

const files = process.argv.length > 2 ? process.argv.slice(2) : ['.tmp/vitest.json'];
const totals = { passed: 0, failed: 0, skipped: 0 };
const retried = [];
for (const file of files.filter((f) => existsSync(f))) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  for (const suite of report.testResults ?? []) {
    for (const test of suite.assertionResults ?? []) {
      if (test.status === 'passed' && (test.failureMessages ?? []).length > 0) retried.push(test.fullName);
    }
  }
  totals.passed += report.numPassedTests;
  totals.failed += report.numFailedTests;
  totals.skipped += report.numPendingTests + report.numTodoTests;
}
for (const name of retried) console.log(`passed on a retry (flaky, to fix): ${name}`);
console.log(`Tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
