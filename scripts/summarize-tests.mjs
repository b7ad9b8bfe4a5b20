// Sums the results every test runner wrote into one folder and prints the closing line CI reads:
// `N passed, N failed`. A runner that was expected but wrote nothing counts as one failure, so a
// crash can never look like success.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const runnersExitStatus = Number(process.argv[3] ?? 0);
let passed = 0;
let failed = 0;
const lines = [];

for (const file of readdirSync(dir).sort()) {
  const text = readFileSync(join(dir, file), 'utf8');
  let p = 0;
  let f = 0;
  if (file.endsWith('.json')) {
    const report = JSON.parse(text); // vitest's json reporter
    p = report.numPassedTests;
    f = report.numFailedTests + (report.numFailedTestSuites ?? 0);
  } else if (file.endsWith('.xml')) {
    // JUnit XML (pytest, tasty): every <testcase> once, failed when it holds a <failure> or an
    // <error>. Test suites may nest (tasty's groups), so their totals are not summed.
    for (const m of text.matchAll(/<testcase\b[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
      const body = m[1] ?? '';
      if (/<(failure|error)\b/.test(body)) f += 1;
      else if (!/<skipped\b/.test(body)) p += 1;
    }
  } else {
    continue;
  }
  lines.push(`  ${file}: ${p} passed, ${f} failed`);
  passed += p;
  failed += f;
}
if (lines.length === 0) {
  failed += 1;
  lines.push('  no test runner wrote results');
} else if (runnersExitStatus !== 0 && failed === 0) {
  // A runner crashed or exited non-zero without naming a failing test: that is a failure too.
  failed += 1;
  lines.push('  a test runner exited non-zero without reporting a failing test');
}
console.log('\nTest totals by runner:');
for (const line of lines) console.log(line);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
