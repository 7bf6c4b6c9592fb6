// Root hooks of the test run: every test's temporary folder (os.tmpdir() reads TMPDIR on each call, and the
// harness, monitors and helpers the tests start inherit it) goes under one folder of this run, removed at its
// end. Without it each run left ~10,000 folders (captures, cell outputs, corpus copies) in /tmp: repeated runs
// filled the disk of a development machine.
const { chmodSync, mkdtempSync, rmSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

let runDir;
let previous;

exports.mochaHooks = {
  beforeAll() {
    previous = process.env.TMPDIR;
    runDir = mkdtempSync(path.join(os.tmpdir(), 'harness-tests-'));
    // As /tmp is: the fault test that runs the harness as nobody writes here too.
    chmodSync(runDir, 0o1777);
    process.env.TMPDIR = runDir;
  },
  afterAll() {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    if (runDir !== undefined) rmSync(runDir, { recursive: true, force: true });
  },
};
