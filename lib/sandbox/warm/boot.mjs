// The program of a warm kafka-ts sandbox (lib/sandbox/warm.ts). It starts before any run, as
// the sandbox's own program, with node up and kafkajs (the watching shim) loaded, and waits
// for one line on stdin: {"env": {...}, "entry": "producer.mjs"}. Then it sets the run's
// variables and imports the student's entry, as `node /sandbox/<entry>` would have run it.
// It serves one run: the host never reuses a warm sandbox, so nothing of a run is left for
// the next one. stdin stays the shim's "Detener" channel (its end leaves consumer groups).
import { createRequire } from 'node:module';

const keepAlive = setInterval(() => undefined, 1 << 30); // the shim unrefs stdin
createRequire('/sandbox/')('kafkajs');

const line = await new Promise((resolve) => {
  let buffered = '';
  const onData = (chunk) => {
    buffered += chunk;
    const end = buffered.indexOf('\n');
    if (end < 0) return;
    process.stdin.off('data', onData);
    resolve(buffered.slice(0, end));
  };
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', onData);
  process.stdin.once('end', () => resolve(null));
});
clearInterval(keepAlive);
if (line === null) process.exit(0); // the host let this sandbox go unused

const { env, entry } = JSON.parse(line);
Object.assign(process.env, env);
await import(`/sandbox/${entry}`);
