/**
 * The PSS sampler of bench:class, as a process of its own (see watchTreeMemory in
 * ./process-memory.ts): every second, one JSON line with the tree memory of the process given
 * as argv[2]. Started under SCHED_IDLE, it reads /proc only on a core nothing else wants.
 */
import { treeMemory } from './process-memory';

const rootPid = Number(process.argv[2]);
const sample = () => process.stdout.write(`${JSON.stringify(treeMemory(rootPid))}\n`);
sample();
setInterval(sample, 1000);
