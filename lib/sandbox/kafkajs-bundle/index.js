// The kafkajs mounted at /sandbox/node_modules/kafkajs-real when it is the bundle: kafkajs.js
// beside this file is all of kafkajs in one file (lib/sandbox/kafkajs-bundle.ts builds this folder).
//
// Node's ESM loader finds a CommonJS module's named exports (`import { Kafka } from 'kafkajs'`,
// through the shim) by reading its text, and follows `module.exports = require(...)` into the
// file required. Read that way, the 650 kB bundle cost each run more CPU than the package's
// files (139 ms against 117 ms; 89 ms as here), so it is loaded in a form the reader does not
// follow, and the names are spelled out in a line that never runs: the build fills in the ones
// Node finds in kafkajs's own index.js, so students import by name just what the package allows.
const kafkajs = load(require('node:path').join(__dirname, 'kafkajs.js'));
module.exports = kafkajs;
// eslint-disable-next-line no-constant-binary-expression, @typescript-eslint/no-unused-expressions -- read by Node, never run
0 && (module.exports = {}); // the build fills in the names

/**
 * Loads kafkajs.js as require would, with V8's code cache of it when the build made one
 * (./code-cache.js): V8 then skips compiling what a run uses. V8 checks the cache against the
 * source, its version and its flags, and compiles as usual when it does not match.
 */
function load(file) {
  const fs = require('node:fs');
  let cachedData;
  try {
    cachedData = fs.readFileSync(`${file}.cache`);
  } catch {
    return require(file);
  }
  const vm = require('node:vm');
  const script = new vm.Script(require('node:module').wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
  const module_ = { exports: {} };
  script.runInThisContext().call(module_.exports, module_.exports, require, module_, file, __dirname);
  return module_.exports;
}
