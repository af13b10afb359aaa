/**
 * The kafkajs shim inside the sandbox (kafkajs-shim/index.js, which spells it again: it is plain
 * JavaScript loaded by the sandbox's node) reports each produced/consumed record as one stdout
 * line starting with this marker. Such a line is never shown as text: the output collector
 * passes it on apart from the student's output (outside its byte cap) and lib/runs/records.ts
 * turns it into a record event or drops it.
 */
export const RECORD_MARKER = '\u001ecauce:record ';
