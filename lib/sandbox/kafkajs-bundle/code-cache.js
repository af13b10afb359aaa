'use strict';
// Run by lib/sandbox/kafkajs-bundle.ts on the host, with the sandbox's node and no V8 flag (V8
// refuses a code cache made under other flags): loads <dir>/kafkajs.js as ./index.js will in
// the sandbox, makes the clients a run makes, so the functions that compiles are in the cache
// too, and writes V8's code cache for the file to <dir>/kafkajs.js.cache.
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

const file = path.join(path.resolve(process.argv[2]), 'kafkajs.js');
const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file });
const module_ = { exports: {} };
script.runInThisContext().call(module_.exports, module_.exports, require, module_, file, path.dirname(file));
const { Kafka, logLevel } = module_.exports;
const kafka = new Kafka({ clientId: 'cache', brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING });
kafka.producer();
kafka.consumer({ groupId: 'cache' });
kafka.admin();
fs.writeFileSync(`${file}.cache`, script.createCachedData());
