"""
Inside the sandbox (lib/sandbox/kinds/airflow-parse.ts): the dag-processor's per-file child,
as Airflow's own fork would run it, except that its channel arrives as fds 0, 1 and 2 (the
launcher hands over the sockets cauce_parse._bridge opened) instead of being inherited.
Student code runs here: the file's top-level code and its DAG callbacks.
"""

import os
import socket

from airflow.dag_processing.processor import _parse_file_entrypoint
from airflow.sdk.execution_time.supervisor import _fork_main

# Copies, as the stock fork hands _fork_main socket objects that it dup2s onto 0, 1 and 2.
channel = [socket.socket(fileno=os.dup(fd)) for fd in (0, 1, 2)]
# No log channel (0): structured logs go to stderr, which the dag-processor logs as the file's output.
_fork_main(channel[0], channel[1], channel[2], 0, _parse_file_entrypoint)
