// A node:test reporter that ends the run with one line CI can read:
// "N passed, N failed" (", N skipped" when some were skipped).
export default async function* summary(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') {
      continue;
    }
    const details = event.data.details ?? {};
    // Suites repeat their children's results; count leaf tests only.
    if (details.type === 'suite') {
      continue;
    }
    if (event.data.skip || event.data.todo) {
      skipped++;
    } else if (event.type === 'test:pass') {
      passed++;
    } else {
      failed++;
    }
  }
  yield `\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
}
