// A missing dependency (Chromium, playwright-core, an ssehub built without OpenSSL) skips a
// browser test on a developer's machine, and is noted in $SSEHUB_SKIP_LOG for make test's
// summary; under CI=true it is a failure, since a skipped test proves nothing. A Chromium that
// is there but cannot start is never a skip: that is a failure, always.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

function inCi() {
  return ['true', '1', 'yes'].includes(String(process.env.CI || '').trim().toLowerCase());
}

// Throws under CI; otherwise notes `what` and returns it (the caller skips with it).
function missing(what) {
  if (inCi()) throw new Error(`CI=true and a dependency is missing: ${what}`);
  const log = process.env.SSEHUB_SKIP_LOG;
  if (log) fs.appendFileSync(log, `${path.basename(process.argv[1] || 'node')}: ${what}\n`);
  return what;
}

// In a node:test test: skip t (or fail under CI) when condition is false. True when skipped.
function requireDep(t, condition, what) {
  if (condition) return false;
  t.skip(missing(what));
  return true;
}

module.exports = { inCi, missing, requireDep };
