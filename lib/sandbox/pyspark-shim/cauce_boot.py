"""
Entry of a pyspark sandbox: `python -I -B /opt/cauce/pyspark/cauce_boot.py <entry.py>`.
Isolated mode puts neither this folder nor the student's on sys.path, so it adds this one
(the wrapper), loads the relay (/opt/cauce/relay.py, lib/sandbox/relay/relay.py), and hands
over to it: it relays the Spark Connect endpoint into the run's empty network namespace (the
only address the run reaches: Kafka and S3 are the Spark server's to reach) and runs
cauce_spark as `python -m` would.
"""

import importlib.util
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

RELAY = "/opt/cauce/relay.py"

if __name__ == "__main__":
    spec = importlib.util.spec_from_file_location("relay", RELAY)
    relay = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(relay)
    sys.argv = [RELAY, "-m", "cauce_spark", *sys.argv[1:]]
    relay.main()
