"""
The Python twin of relay.mjs: started first inside a sandbox's empty network namespace
(`python -I relay.py -m <module> <args...>`), it listens on each relayed endpoint's own
address on the namespace's loopback and forwards every connection to the host's relay socket
(see lib/sandbox/network.ts), then runs the module as `python -m` would. The threads stay in
this process: for an Airflow task that is the supervisor, the one process that talks to the
Execution API. Nothing here is a boundary: the namespace is. Tampering with this only breaks
the tamperer's own connections.
"""

import json
import os
import runpy
import socket
import sys
import threading

ROUTES = json.loads(os.environ.pop("CAUCE_RELAYS", "[]"))


def _pump(source, target):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    finally:
        for sock, how in ((target, socket.SHUT_WR), (source, socket.SHUT_RD)):
            try:
                sock.shutdown(how)
            except OSError:
                pass


def _forward(client, path):
    upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        upstream.connect(path)
    except OSError:
        client.close()
        upstream.close()
        return
    back = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
    back.start()
    _pump(client, upstream)
    back.join()
    client.close()
    upstream.close()


def _serve(server, path):
    while True:
        try:
            client, _ = server.accept()
        except OSError:
            return
        threading.Thread(target=_forward, args=(client, path), daemon=True).start()


def _listen(route):
    family = socket.AF_INET6 if ":" in route["listenHost"] else socket.AF_INET
    server = socket.socket(family, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        server.bind((route["listenHost"], route["port"]))
        server.listen(64)
    except OSError as error:
        sys.stderr.write(f"cauce-relay: {route['listenHost']}:{route['port']}: {error}\n")
        server.close()
        return
    threading.Thread(target=_serve, args=(server, route["socket"]), daemon=True).start()


def main():
    for route in ROUTES:
        _listen(route)
    if len(sys.argv) < 3 or sys.argv[1] != "-m":
        sys.stderr.write("cauce-relay: usage: relay.py -m <module> [args...]\n")
        sys.exit(2)
    module = sys.argv[2]
    sys.argv = [module, *sys.argv[3:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
