'use strict';
/**
 * The kafkajs logger a run gets unless the student brings a logCreator of their own.
 * kafkajs's console logger prints every log as raw JSON, errors on stderr, and it logs as
 * errors conditions it then handles itself: creating a topic that already exists (the admin
 * answers `false`), a group rebalancing while members join (the consumer re-joins), a group
 * coordinator not ready yet (it retries). A lesson run that went well printed red JSON lines.
 * This one drops those handled conditions to debug level (shown only with `logLevel: DEBUG`)
 * and prints the rest as one readable line each, `kafkajs · error · …`, labelled in Spanish:
 * errors on stderr (the output panel shows them red), everything else on stdout.
 */
const LEVELS = { NOTHING: 0, ERROR: 1, WARN: 2, INFO: 4, DEBUG: 5 };
const LABELS = { 1: 'error', 2: 'aviso', 4: 'info', 5: 'depuración' };

/**
 * Error texts (kafkajs's own, protocol/error.js) of responses kafkajs retries or answers by
 * re-joining, which it still logs as `[Connection] Response …` errors.
 */
const HANDLED_RESPONSE_ERRORS = [
  /The group is rebalancing, so a rejoin is needed/,
  /The group coordinator is not available/,
  /The coordinator is loading and hence can't process requests/,
  /This is not the correct coordinator for this group/,
  /The coordinator is not aware of this member/,
  /There is no leader for this topic-partition as we are in the middle of a leadership election/,
];

/**
 * A CreateTopics response whose every refusal is "already exists": kafkajs's admin answers
 * `false` for it. The reasons are the broker's, put back by the shim (index.js).
 */
function onlyExistingTopics(error) {
  const match = /^Topic creation errors(?:: (.*))?$/s.exec(error);
  if (!match) return false;
  if (!match[1]) return false; // no reasons: cannot tell a refusal from an existing topic
  return match[1].split('; ').every((reason) => /already exists/i.test(reason));
}

/**
 * The level a log is shown at. What kafkajs handles itself drops to debug; a consumer that
 * crashed on a coordinator not ready yet, and its restart, are a warning (kafkajs restarts it):
 * the run may well end fine.
 */
function shownLevel(namespace, level, log) {
  if (isHandled(namespace, log)) return LEVELS.DEBUG;
  const message = String(log.message ?? '');
  if (namespace === 'Consumer' && level === LEVELS.ERROR) {
    if (/^Restarting the consumer in \d+ms$/.test(message)) return LEVELS.WARN;
    if (message.startsWith('Crash: ') && HANDLED_RESPONSE_ERRORS.some((pattern) => pattern.test(message))) return LEVELS.WARN;
  }
  return level;
}

/** True for a log of a condition kafkajs handles itself (see the module comment). */
function isHandled(namespace, log) {
  const message = String(log.message ?? '');
  const error = typeof log.error === 'string' ? log.error : '';
  if (namespace === 'Connection' && message.startsWith('Response ')) {
    if (message.startsWith('Response CreateTopics') && onlyExistingTopics(error)) return true;
    return HANDLED_RESPONSE_ERRORS.some((pattern) => pattern.test(error));
  }
  return false;
}

function assignment(memberAssignment) {
  if (!memberAssignment || typeof memberAssignment !== 'object') return '';
  const parts = Object.entries(memberAssignment).map(([topic, partitions]) => `${topic} [${[].concat(partitions).join(', ')}]`);
  return parts.length > 0 ? parts.join('; ') : 'ninguna';
}

const ECONNREFUSED = /connect ECONNREFUSED (\S+)/;

/**
 * Spanish wording for the logs a student meets in the lessons; other logs keep kafkajs's
 * English message (with their error) under the Spanish label.
 */
function describe(namespace, log) {
  const message = String(log.message ?? '');
  const group = log.groupId ? ` «${log.groupId}»` : '';
  const error = typeof log.error === 'string' ? log.error : '';
  const refused = ECONNREFUSED.exec(error) || ECONNREFUSED.exec(message);
  if (refused) return `Conexión rechazada por el broker ${refused[1]} (ECONNREFUSED): no hay nada escuchando en esa dirección; ¿es la dirección correcta?, ¿está en marcha Kafka?`;
  if (namespace === 'Consumer' && message === 'Starting') return `El consumidor arranca (grupo${group})`;
  if (namespace === 'Consumer' && message === 'Stopped') return `El consumidor se detuvo (grupo${group})`;
  if (namespace === 'ConsumerGroup' && message === 'Consumer has joined the group') {
    const leader = log.isLeader ? ', como líder' : '';
    return `El consumidor se unió al grupo${group}${leader}; particiones asignadas: ${assignment(log.memberAssignment)}`;
  }
  if (namespace === 'Runner' && message === 'The group is rebalancing, re-joining') return `El grupo${group} se está reequilibrando: el consumidor vuelve a unirse`;
  if (namespace === 'Connection' && message === 'Connection timeout') return `El broker ${log.broker ?? ''} no respondió a tiempo (Connection timeout)`.replace('  ', ' ');
  if (namespace === 'BrokerPool' && message.startsWith('Failed to connect to seed broker')) return `No se pudo conectar con el broker inicial ${log.broker ?? ''}`.trimEnd();
  if (namespace === 'Producer' && message.startsWith('Failed to send messages: '))
    return `No se pudieron enviar los mensajes: ${message.slice('Failed to send messages: '.length)}`;
  if (namespace === 'Consumer' && message.startsWith('Crash: ')) return `El consumidor falló: ${message.slice('Crash: '.length)}`;
  if (namespace === 'Consumer' && /^Restarting the consumer in \d+ms$/.test(message)) return `El consumidor se reinicia en ${/\d+/.exec(message)[0]} ms`;
  const prefix = namespace ? `[${namespace}] ` : '';
  return error && !message.includes(error) ? `${prefix}${message}: ${error}` : `${prefix}${message}`;
}

/** The same line again within this long is not printed twice (a rebalance logs once per member and retry). */
const REPEAT_WINDOW_MS = 3_000;

/**
 * A kafkajs `logCreator`. `write(stream, line)` is where lines go (process streams by default).
 * @param {(stream: 'stdout' | 'stderr', line: string) => void} [write]
 */
function cauceLogCreator(write = (stream, line) => process[stream].write(`${line}\n`)) {
  return (logLevel) => {
    const recent = new Map();
    return ({ namespace, level, log }) => {
      const shownAs = shownLevel(namespace, level, log);
      if (shownAs > logLevel) return;
      const line = `kafkajs · ${LABELS[shownAs] ?? 'info'} · ${describe(namespace, log)}`;
      const now = Date.now();
      const last = recent.get(line);
      if (recent.size > 200) recent.clear();
      recent.set(line, now);
      if (last !== undefined && now - last < REPEAT_WINDOW_MS) return;
      try {
        write(shownAs === LEVELS.ERROR ? 'stderr' : 'stdout', line);
      } catch {
        // Logging must never break the student's program.
      }
    };
  };
}

module.exports = { cauceLogCreator, isHandled, describe };
