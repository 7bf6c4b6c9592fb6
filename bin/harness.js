#!/usr/bin/env node
import('../dist/harness/cli.js').then((cli) => cli.main(process.argv.slice(2))).then((code) => {
  process.exitCode = code;
});
