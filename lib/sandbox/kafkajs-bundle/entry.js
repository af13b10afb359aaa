// What esbuild bundles into kafkajs.js (lib/sandbox/kafkajs-bundle.ts), with `kafkajs-real`
// pointed at the kafkajs package on the host. No 'use strict' here: esbuild would put it at the
// top of the bundle, over all of kafkajs, whose files are not strict-mode code.
module.exports = require('kafkajs-real');

// The kafkajs shim (lib/sandbox/kafkajs-shim) replaces `parse` on kafkajs's CreateTopics and
// Metadata response modules, which kafkajs calls through the module object. In the bundle they
// are no files the shim could require, so the bundle hands over the very objects its own code
// uses (esbuild gives both requires of one path the same module). The key is a symbol and not
// enumerable, and the shim deletes it: students see kafkajs's own exports only.
Object.defineProperty(module.exports, Symbol.for('cauce.kafkajs.internals'), {
  configurable: true,
  value: {
    createTopicsResponses: [
      require('kafkajs-real/src/protocol/requests/createTopics/v1/response'),
      require('kafkajs-real/src/protocol/requests/createTopics/v2/response'),
      require('kafkajs-real/src/protocol/requests/createTopics/v3/response'),
    ],
    metadataResponses: [
      require('kafkajs-real/src/protocol/requests/metadata/v0/response'),
      require('kafkajs-real/src/protocol/requests/metadata/v1/response'),
      require('kafkajs-real/src/protocol/requests/metadata/v2/response'),
      require('kafkajs-real/src/protocol/requests/metadata/v3/response'),
      require('kafkajs-real/src/protocol/requests/metadata/v4/response'),
      require('kafkajs-real/src/protocol/requests/metadata/v5/response'),
      require('kafkajs-real/src/protocol/requests/metadata/v6/response'),
    ],
  },
});
