"""
The DAG worker as a zygote (issue 9): Airflow is imported and warmed once per sandbox, and each
job runs in a process forked from that warm state and thrown away after it.

Why this keeps runs apart, although one sandbox serves many students in turn:
  - the zygote (pid 1 of the sandbox, not dumpable) never runs a job: it forks a job process,
    which carries the whole run (the metadata DB in its copy of memory, every module and cache
    the run loaded) and exits; nothing the job changed comes back into the zygote;
  - between two jobs the zygote kills every other process of the sandbox (kill(-1) from pid 1
    reaches all of them and cannot be dodged by forking), removes the SysV IPC objects of its
    IPC namespace, and puts /tmp back exactly as it was after the warm-up (files, folders and
    modes), so the next job finds no file, process, module or shared memory of the previous one;
  - if any of that fails, the zygote exits instead of saying "ready": the host then throws the
    whole sandbox away (uid reaped, folders removed) and starts a new one, as before.

Protocol on stdin (from lib/runs/airflow/worker.ts), one line each:
  {"files": [...]}  a job;      stop  kill the running job (Detener, the wall clock).
On the protocol fd: the job's own events, then {"event": "jobExit", ...} when its process is
gone, then {"event": "ready", ...} once the sandbox is clean again.
"""

import ctypes
import gc
import os
import selectors
import signal
import stat
import time

# What /tmp may hold after the warm-up to be restored after each job (airflow.cfg and a few
# empty folders in practice, some kilobytes): more means something is wrong, so no reuse.
MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024
SCRUB_TIMEOUT_S = 5.0


class LineReader:
    """Lines from a blocking fd, with a timeout (the host's stdin: jobs and stops)."""

    EOF = object()

    def __init__(self, fd):
        self.fd = fd
        self.buffer = b""
        self.pending = []
        self.closed = False
        self.selector = selectors.DefaultSelector()
        self.selector.register(fd, selectors.EVENT_READ)

    def next_line(self, timeout=None, wake=None):
        """
        A line (str, without newline), None on timeout or when the fd `wake` became readable
        first, or LineReader.EOF when the host closed stdin.
        """
        if self.pending:
            return self.pending.pop(0)
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self.buffer:
            if self.closed:
                return self.EOF
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            events = self.selector.select(left)
            if not events or any(key.fd == wake for key, _ in events):
                return None
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                self.closed = True
                continue
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode("utf-8", "replace")

    def unread(self, line):
        self.pending.append(line)


class TmpSnapshot:
    """
    The writable scratch folder as the warm-up left it. restore() removes everything under it
    and writes the recorded folders and files back, with their modes: a job may have left
    files, changed modes (chmod 000 on a folder included), replaced files with links or FIFOs.
    """

    def __init__(self, root):
        self.root = root
        self.root_mode = stat.S_IMODE(os.lstat(root).st_mode)
        self.dirs = []  # (relative path, mode), parents first
        self.files = []  # (relative path, mode, bytes)
        self.links = []  # (relative path, target)
        total = 0
        for parent, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(dirnames):
                path = os.path.join(parent, name)
                info = os.lstat(path)
                if stat.S_ISLNK(info.st_mode):
                    self.links.append((os.path.relpath(path, root), os.readlink(path)))
                else:
                    self.dirs.append((os.path.relpath(path, root), stat.S_IMODE(info.st_mode)))
            for name in sorted(filenames):
                path = os.path.join(parent, name)
                info = os.lstat(path)
                relative = os.path.relpath(path, root)
                if stat.S_ISLNK(info.st_mode):
                    self.links.append((relative, os.readlink(path)))
                    continue
                if not stat.S_ISREG(info.st_mode):
                    raise RuntimeError(f"{path}: not a regular file after the warm-up")
                with open(path, "rb") as handle:
                    data = handle.read()
                total += len(data)
                if total > MAX_SNAPSHOT_BYTES:
                    raise RuntimeError(f"{root} holds more than {MAX_SNAPSHOT_BYTES} bytes after the warm-up")
                self.files.append((relative, stat.S_IMODE(info.st_mode), data))

    def restore(self):
        os.chmod(self.root, 0o700)
        empty_folder(self.root)
        for relative, mode in self.dirs:
            os.mkdir(os.path.join(self.root, relative), 0o700)
        for relative, mode, data in self.files:
            path = os.path.join(self.root, relative)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
            os.chmod(path, mode)
        for relative, target in self.links:
            os.symlink(target, os.path.join(self.root, relative))
        for relative, mode in reversed(self.dirs):  # children first: a read-only parent last
            os.chmod(os.path.join(self.root, relative), mode)
        os.chmod(self.root, self.root_mode)


def empty_folder(root):
    """
    Removes everything under root, never following a link, without recursion (a job can nest
    folders thousands deep). Anything it cannot remove raises: the sandbox is then not reused.
    """
    stack = [(root, False)]
    while stack:
        path, listed = stack.pop()
        if listed:
            os.rmdir(path)
            continue
        if path != root:
            stack.append((path, True))
        os.chmod(path, 0o700)  # the job's own chmod 000 must not keep its files
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, False))
                else:
                    os.unlink(entry.path)


def reap_children():
    """Reaps every child that has ended (the job process and orphans reparented to pid 1)."""
    ended = []
    while True:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return ended
        if pid == 0:
            return ended
        ended.append((pid, status, usage))


def kill_everyone_else():
    """kill(-1) from pid 1 of a pid namespace: every other process in it, atomically with fork."""
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        pass  # nobody left


def others_alive():
    me = str(os.getpid())
    return [entry for entry in os.listdir("/proc") if entry.isdigit() and entry != me]


def remove_sysv_ipc():
    """Shared memory, semaphores and message queues a job created (the sandbox has its own IPC namespace)."""
    libc = ctypes.CDLL(None, use_errno=True)
    ipc_rmid = 0
    removers = {
        "shm": lambda ident: libc.shmctl(ident, ipc_rmid, None),
        "sem": lambda ident: libc.semctl(ident, 0, ipc_rmid),
        "msg": lambda ident: libc.msgctl(ident, ipc_rmid, None),
    }
    for kind, remove in removers.items():
        try:
            with open(f"/proc/sysvipc/{kind}") as table:
                rows = table.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            ident = int(row.split()[1])
            if remove(ident) != 0:
                raise OSError(ctypes.get_errno(), f"could not remove SysV {kind} {ident}")
        with open(f"/proc/sysvipc/{kind}") as table:
            if table.read().splitlines()[1:]:
                raise RuntimeError(f"SysV {kind} objects survive")


def scrub(snapshot):
    """Between two jobs: no process, no IPC object, /tmp as after the warm-up. Raises if it cannot."""
    deadline = time.monotonic() + SCRUB_TIMEOUT_S
    while True:
        kill_everyone_else()
        reap_children()
        if not others_alive():
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"processes survive: {others_alive()}")
        time.sleep(0.005)
    remove_sysv_ipc()
    snapshot.restore()


def wait_for_job(pid, inbox):
    """
    Until the job process has ended: its exit status, its CPU time (with what it reaped), and
    whether the host stopped it. Orphans are reaped on the way (this is pid 1).
    """
    stopped = False
    # The job's end wakes this loop at once (a pidfd is readable once its process is gone).
    ended_fd = os.pidfd_open(pid)
    inbox.selector.register(ended_fd, selectors.EVENT_READ)
    try:
        while True:
            if inbox.pending or inbox.closed:
                inbox.selector.select(0.05)  # nothing more to hear: a job sent early waits in pending
                line = None
            else:
                line = inbox.next_line(0.5, wake=ended_fd)
            if (line == "stop" or line is LineReader.EOF) and not stopped:
                stopped = True  # Detener, the wall clock, the output cap, or the host went away
                kill_everyone_else()
            elif isinstance(line, str) and line != "stop":
                inbox.unread(line)  # the next job, sent early: it waits for this one
            for ended, status, usage in reap_children():
                if ended == pid:
                    return status, round((usage.ru_utime + usage.ru_stime) * 1000), stopped
    finally:
        inbox.selector.unregister(ended_fd)
        os.close(ended_fd)


def exit_fields(status):
    if os.WIFSIGNALED(status):
        return {"code": None, "signal": signal.Signals(os.WTERMSIG(status)).name}
    return {"code": os.waitstatus_to_exitcode(status), "signal": None}


def serve(snapshot, run_job, send):
    """
    The zygote's loop: one job at a time, each in a forked process. run_job(files) runs in the
    job process and must not return (it ends with os._exit). Returns the zygote's exit code.
    """
    if os.getpid() != 1:
        raise RuntimeError("the zygote must be pid 1 of its sandbox (kill(-1) and orphans depend on it)")
    inbox = LineReader(0)
    runs = 0
    while True:
        line = inbox.next_line()
        if line is LineReader.EOF:
            return 0
        if not line.strip() or line == "stop":
            continue  # a stop that came after its job had ended
        # Everything the warm-up built moves to the collector's permanent generation: a collection
        # in the job then never walks (and so never writes, page by page, copy-on-write) the
        # zygote's objects. bench:dags, 4 runs of 30 each way: CPU per run 0.59-0.62 → 0.55-0.59 s.
        gc.freeze()
        pid = os.fork()
        if pid == 0:
            try:
                null = os.open(os.devnull, os.O_RDONLY)
                os.dup2(null, 0)  # the host's channel stays the zygote's
                os.close(null)
                run_job(line)
            finally:
                os._exit(70)
        status, cpu_ms, stopped = wait_for_job(pid, inbox)
        send("jobExit", cpuMs=cpu_ms, stopped=stopped, **exit_fields(status))
        scrub(snapshot)
        runs += 1
        send("ready", warmMs=0, runs=runs)
