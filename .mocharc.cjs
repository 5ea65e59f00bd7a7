// Tests run straight from TypeScript through tsx; the reporter prints the closing line CI counts.
// Files named on the command line (`npx mocha test/unit/x.test.ts`) replace the default set instead of adding to it.
const named = process.argv.slice(2).some((a) => /\.test\.ts$/.test(a));
module.exports = {
  'node-option': ['import=tsx'],
  extension: ['ts'],
  spec: named ? [] : ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
  reporter: './test/support/summary-reporter.cjs',
  timeout: 20000,
  exit: true,
};
