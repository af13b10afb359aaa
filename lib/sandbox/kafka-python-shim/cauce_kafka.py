"""
The kafkajs shim's twin for kafka-py runs (lib/sandbox/kafkajs-shim/index.js): it runs the
student's program (`/sandbox/<entry>`) as `__main__` after putting watching subclasses of
kafka-python's clients where `from kafka import KafkaProducer` finds them. They only watch:

- each record a producer's send is acknowledged for, and each record a consumer hands to the
  program, is printed as one marked stdout line (lib/sandbox/record-marker.ts), which the
  server turns into the same record events kafka-ts runs make (the topic picture, Mi Kafka);
- the client logs in as the student: with the run's SCRAM credential in the environment
  (KAFKA_USERNAME, KAFKA_PASSWORD) and no security settings in the code, they are added, so
  lesson code stays `KafkaProducer(bootstrap_servers=...)`. Admin credentials never get here;
- "Detener" closes stdin: the program is interrupted and every open client is closed, so a
  consumer leaves its group at once instead of holding it for its session timeout.

An uncaught exception prints its traceback from the student's first frame (not this file's).
Nothing here is a boundary (the sandbox is): tampering with it only fools one's own picture.
"""

import json
import logging
import os
import re
import runpy
import signal
import stat
import sys
import threading
import traceback

import kafka
import kafka.admin
import kafka.consumer
import kafka.producer

SANDBOX_DIR = "/sandbox"
# lib/sandbox/record-marker.ts spells it for the server.
MARKER = "\x1ecauce:record "
MAX_TEXT = 300
# kafka-python's waits, from lib/limits.ts (KAFKA_PY_CLIENT) through the environment: how long
# send() waits for a topic's metadata, and each client's close on "Detener".
LAB_MAX_BLOCK_MS = int(os.environ.pop("CAUCE_KAFKA_MAX_BLOCK_MS", "10000"))
CLOSE_TIMEOUT_MS = int(os.environ.pop("CAUCE_KAFKA_CLOSE_TIMEOUT_MS", "1500"))

_write_lock = threading.Lock()
_clients = []
_stopping = threading.Event()
_serialized = threading.local()

RealProducer = kafka.KafkaProducer
RealConsumer = kafka.KafkaConsumer
RealAdmin = kafka.KafkaAdminClient


def _text(value):
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray, memoryview)):
        text = bytes(value).decode("utf-8", "replace")
    else:
        text = str(value)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def _report(record):
    try:
        line = MARKER + json.dumps(record, ensure_ascii=False) + "\n"
        with _write_lock:
            sys.stdout.write(line)
            sys.stdout.flush()
    except Exception:  # reporting must never break the student's program
        pass


class _TellOnce(logging.Handler):
    """
    kafka-python logs to a NullHandler, so a topic that does not exist, or is not the student's,
    is silent: a consumer just waits. These few of its lines reach stderr, each once, where the
    student reads them and the server recognises them (lib/runs/kafka-py.ts) to explain them.
    """

    TOLD = re.compile(r"not found in cluster metadata|is not authorized for this client|is not a valid topic name")

    def __init__(self):
        super().__init__(logging.WARNING)
        self.seen = set()

    def emit(self, record):
        try:
            message = record.getMessage()
        except Exception:
            return
        if not self.TOLD.search(message) or message in self.seen:
            return
        self.seen.add(message)
        with _write_lock:
            sys.stderr.write(f"kafka-python: {message}\n")
            sys.stderr.flush()


def _lab_config(configs):
    """The student's own principal from the run's environment, unless the code brings its own."""
    config = dict(configs)
    username = os.environ.get("KAFKA_USERNAME")
    password = os.environ.get("KAFKA_PASSWORD")
    if username and password and "security_protocol" not in config and "sasl_mechanism" not in config:
        config.update(
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism="SCRAM-SHA-512",
            sasl_plain_username=username,
            sasl_plain_password=password,
        )
    return config


def _track(client):
    _clients.append(client)
    return client


def _untrack(client):
    try:
        _clients.remove(client)
    except ValueError:
        pass


class KafkaProducer(RealProducer):
    def __init__(self, **configs):
        configs = _lab_config(configs)
        configs.setdefault("max_block_ms", LAB_MAX_BLOCK_MS)
        super().__init__(**configs)
        _track(self)

    def _serialize(self, *args):
        data = super()._serialize(*args)
        seen = getattr(_serialized, "values", None)
        if seen is not None:
            seen.append(data)
        return data

    def send(self, topic, *args, **kwargs):
        # send() serializes the key, then the value, in this thread: what goes on the wire.
        _serialized.values = []
        try:
            future = super().send(topic, *args, **kwargs)
            key, value = (_serialized.values + [None, None])[:2]
        finally:
            _serialized.values = None

        def produced(metadata):
            _report(
                {
                    "direction": "produced",
                    "topic": metadata.topic,
                    "partition": metadata.partition,
                    "offset": str(metadata.offset),
                    "key": _text(key),
                    "value": _text(value),
                }
            )

        future.add_callback(produced)
        return future

    def close(self, *args, **kwargs):
        _untrack(self)
        return super().close(*args, **kwargs)


class KafkaConsumer(RealConsumer):
    _count = 0

    def __init__(self, *topics, **configs):
        KafkaConsumer._count += 1
        self._cauce_label = f"consumidor-{KafkaConsumer._count}"
        self._cauce_iterating = False
        super().__init__(*topics, **_lab_config(configs))
        _track(self)

    def _cauce_consumed(self, record):
        _report(
            {
                "direction": "consumed",
                "topic": record.topic,
                "partition": record.partition,
                "offset": str(record.offset),
                "key": _text(record.key),
                "value": _text(record.value),
                "consumer": self._cauce_label,
            }
        )

    def __next__(self):
        # Iteration polls underneath: report what it hands over, once, not what it fetched.
        self._cauce_iterating = True
        try:
            record = super().__next__()
        finally:
            self._cauce_iterating = False
        self._cauce_consumed(record)
        return record

    def poll(self, *args, **kwargs):
        batches = super().poll(*args, **kwargs)
        if not self._cauce_iterating:
            for records in batches.values():
                for record in records:
                    self._cauce_consumed(record)
        return batches

    def close(self, *args, **kwargs):
        _untrack(self)
        return super().close(*args, **kwargs)


class KafkaAdminClient(RealAdmin):
    def __init__(self, **configs):
        super().__init__(**_lab_config(configs))
        _track(self)

    def close(self, *args, **kwargs):
        _untrack(self)
        return super().close(*args, **kwargs)


def _install():
    logging.getLogger("kafka").addHandler(_TellOnce())
    for module in (kafka, kafka.producer):
        module.KafkaProducer = KafkaProducer
    for module in (kafka, kafka.consumer):
        module.KafkaConsumer = KafkaConsumer
    for module in (kafka, kafka.admin):
        module.KafkaAdminClient = KafkaAdminClient


def _interrupt_when_stdin_closes():
    """"Detener" closes stdin: interrupt the program where it is (a consumer's poll included)."""
    try:
        mode = os.fstat(0).st_mode
    except OSError:
        return
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
        return

    def watch():
        try:
            while os.read(0, 4096):
                pass
        except OSError:
            pass
        _stopping.set()
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=watch, name="cauce-stop", daemon=True).start()


def _close_all():
    """Consumers first (they leave their groups, committing what the program read), then the rest."""
    clients = list(_clients)
    clients.sort(key=lambda client: not isinstance(client, RealConsumer))
    for client in clients:
        try:
            if isinstance(client, RealConsumer):
                client.close(timeout_ms=CLOSE_TIMEOUT_MS)
            elif isinstance(client, RealProducer):
                client.close(timeout=CLOSE_TIMEOUT_MS / 1000)
            else:
                client.close()
        except BaseException:
            pass


def _print_student_traceback(error):
    """The traceback from the student's first frame on: runpy's and this file's are noise to them."""
    tb = error.__traceback__
    while tb is not None and not tb.tb_frame.f_code.co_filename.startswith(SANDBOX_DIR + "/"):
        tb = tb.tb_next
    traceback.print_exception(type(error), error, tb)
    sys.stderr.flush()


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("cauce-sandbox: usage: cauce_kafka <entry.py>\n")
        sys.exit(2)
    entry = sys.argv[1]
    sys.argv = [entry]
    sys.path.insert(0, SANDBOX_DIR)  # the example's other files import as modules
    _install()
    _interrupt_when_stdin_closes()
    try:
        runpy.run_path(os.path.join(SANDBOX_DIR, entry), run_name="__main__")
    except KeyboardInterrupt:
        if not _stopping.is_set():
            raise
    except SystemExit:
        raise
    except BaseException as error:  # noqa: BLE001  (reported, then the run fails)
        _print_student_traceback(error)
        sys.exit(1)
    finally:
        if _stopping.is_set():
            _close_all()


if __name__ == "__main__":
    main()
