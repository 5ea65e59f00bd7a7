// Tests run straight from TypeScript through tsx; the reporter prints the closing line CI counts.
module.exports = {
  'node-option': ['import=tsx'],
  extension: ['ts'],
  spec: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
  reporter: './test/support/summary-reporter.cjs',
  timeout: 20000,
  exit: true,
};
