#!/usr/bin/python3
"""Execute one Jupyter notebook on the Deno kernel without losing outputs.

Usage:
    /usr/bin/python3 scripts/notebook_client.py INPUT.ipynb OUTPUT.ipynb [--timeout SECONDS] [--twice]

The kernelspec named "deno" must be findable by jupyter_client (the Deno entry
point scripts/run_notebooks.ts writes one into a temporary JUPYTER_PATH).

Why not `jupyter nbconvert --execute`?
    The Deno kernel sometimes publishes `status: idle` for a request *before*
    the last outputs of that request (stream, display_data, execute_result).
    nbclient stops listening to a cell at its idle message, so those late
    outputs are silently dropped.

Mechanism used here (a "sentinel request" barrier):
    1. For each code cell, send an execute_request and collect every IOPub
       message whose parent msg_id is that request, until both the
       execute_reply (shell) and `status: idle` (IOPub) have arrived.
    2. Then send a harmless execute_request, the sentinel (`void 0`,
       store_history=False, prints nothing). The kernel handles requests in
       order, so it starts the sentinel only after the cell; IOPub is a
       single ordered stream, so output of the cell that was published late
       is received before the sentinel's own `status: idle`. We keep
       collecting until the sentinel's execute_reply and idle, then drain
       IOPub for a short grace period (GRACE_SECONDS).
    3. The kernel stamps a late output with whatever request is current when
       it is flushed, so a late output may carry the *sentinel's* msg_id as
       parent (seen in practice: a `Deno.jupyter.display` of cell 3 arriving
       with the parent of cell 4). Outputs whose parent is a sentinel are
       therefore added to the cell. If a sentinel round caught any output at
       all, another sentinel round follows (at most MAX_SENTINEL_ROUNDS), so
       the cell is closed only after a round that brought nothing new; no
       late output can then leak into the next cell.
    The execution_count written to the notebook is our own 1, 2, 3...
    counter over non-empty code cells (sentinels may advance the kernel's
    counter). Set NOTEBOOK_CLIENT_DEBUG=1 to log each late output caught.

--twice (a re-run in the same kernel, and a leak check):
    Every code cell runs top to bottom, then all of them again in the same
    kernel, as a learner does who re-runs the whole notebook. A cell failing
    in the second pass is named as `pass 2 cell N`. The notebook written is
    the FIRST pass's: its outputs and execution counts are those a reader of
    a freshly run notebook sees. The second pass uses the same sentinel
    barrier, so a late error is blamed on the right cell.
    After each pass the kernel's process is inspected through /proc (Linux):
      - child processes: none may be left (pass 1 and pass 2);
      - worker threads (Deno names a Worker's OS thread `worker-N`), and
        listening TCP sockets: pass 2 may not leave more than pass 1 did;
      - all threads: pass 2 may not leave more than THREAD_SLACK more than
        pass 1 did (best effort: the runtime starts and retires threads of
        its own, e.g. tokio's idle blocking threads exit after 10 s).
    The kernel gets up to LEAK_SETTLE_SECONDS to end workers and children
    that are already closing (THREAD_SETTLE_SECONDS for the thread count).
    Every count is logged as `kernel resources: ...`.

Exit codes:
    0  every cell ran, output written
    1  a cell raised an error (notebook, cell number, ename, evalue and
       traceback are printed to stderr); also kernel start-up failures
    2  usage error
    3  a cell exceeded the per-cell timeout (the cell is named; the kernel
       is killed before exiting)
    4  --twice only: the kernel kept child processes, workers, listening
       sockets or threads after a pass (each leak is named)

The kernel's process id is printed to stderr as `kernel pid: N` so callers can
verify that no kernel outlives the run.
"""

import argparse
import os
import queue
import signal
import sys
import time

import nbformat
from jupyter_client.manager import KernelManager

GRACE_SECONDS = 0.2
MAX_SENTINEL_ROUNDS = 5
DEBUG = os.environ.get("NOTEBOOK_CLIENT_DEBUG") == "1"
SENTINEL_CODE = "void 0"
KERNEL_READY_TIMEOUT = 60.0
LEAK_SETTLE_SECONDS = 3.0
THREAD_SETTLE_SECONDS = 12.0
THREAD_SLACK = 4
WORKER_THREAD_PREFIX = "worker-"
KERNELSPEC = {"name": "deno", "display_name": "Deno", "language": "typescript"}
LANGUAGE_INFO = {
    "name": "typescript",
    "file_extension": ".ts",
    "mimetype": "text/x.typescript",
    "pygments_lexer": "typescript",
    "codemirror_mode": "typescript",
}


OUTPUT_TYPES = {
    "stream",
    "display_data",
    "execute_result",
    "update_display_data",
    "clear_output",
    "error",
}


class CellTimeout(Exception):
    pass


class UsageError(Exception):
    pass


def log(message):
    print(f"[notebook_client] {message}", file=sys.stderr, flush=True)


def debug(message):
    if DEBUG:
        log(message)


def cell_name(path, index, pass_number=1):
    where = "" if pass_number == 1 else f"pass {pass_number} "
    return f"{path} {where}cell {index + 1} (index {index})"


def read_text(path):
    try:
        with open(path) as file:
            return file.read()
    except OSError:
        return None


class KernelResources:
    """What a process holds that a notebook can leak, read from /proc."""

    def __init__(self, pid):
        task_dir = f"/proc/{pid}/task"
        self.threads = 0
        self.workers = 0
        self.children = []
        for tid in os.listdir(task_dir):
            self.threads += 1
            comm = read_text(f"{task_dir}/{tid}/comm") or ""
            if comm.startswith(WORKER_THREAD_PREFIX):
                self.workers += 1
            self.children.extend((read_text(f"{task_dir}/{tid}/children") or "").split())
        self.listening = count_listening_sockets(pid)

    def __str__(self):
        return (
            f"{self.threads} threads, {self.workers} worker threads, "
            f"{len(self.children)} child processes, {self.listening} listening sockets"
        )


def count_listening_sockets(pid):
    """Counts the TCP sockets in LISTEN state among the process's open files."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    count = 0
    for table in ("tcp", "tcp6"):
        for line in (read_text(f"/proc/{pid}/net/{table}") or "").splitlines()[1:]:
            fields = line.split()
            # Field 3 is the state (0A = LISTEN), field 9 the socket's inode.
            if len(fields) > 9 and fields[3] == "0A" and fields[9] in inodes:
                count += 1
    return count


def describe_process(pid):
    stat = read_text(f"/proc/{pid}/stat")
    if stat is None:
        return f"{pid} (gone)"
    command = stat[stat.index("(") + 1 : stat.rindex(")")]
    state = stat[stat.rindex(")") + 2 :].split()[0]
    return f"{pid} ({command}, state {state})"


def settle(pid, leaks_of, seconds):
    """Polls the kernel's resources until `leaks_of` finds none, or `seconds` pass.

    Returns the last resources read and the leaks found in them.
    """
    deadline = time.monotonic() + seconds
    while True:
        resources = KernelResources(pid)
        leaks = leaks_of(resources)
        if not leaks or time.monotonic() >= deadline:
            return resources, leaks
        time.sleep(0.1)


def leaks_after_first_pass(resources):
    if resources.children:
        children = ", ".join(describe_process(child) for child in resources.children)
        return [f"pass 1 left child processes of the kernel: {children}"]
    return []


def leaks_after_second_pass(first):
    def leaks_of(resources):
        leaks = []
        if resources.children:
            children = ", ".join(describe_process(child) for child in resources.children)
            leaks.append(f"pass 2 left child processes of the kernel: {children}")
        if resources.workers > first.workers:
            leaks.append(
                f"worker threads grew from {first.workers} after pass 1 "
                f"to {resources.workers} after pass 2"
            )
        if resources.listening > first.listening:
            leaks.append(
                f"listening TCP sockets grew from {first.listening} after pass 1 "
                f"to {resources.listening} after pass 2"
            )
        return leaks

    return leaks_of


def thread_leaks_after_second_pass(first):
    def leaks_of(resources):
        if resources.threads > first.threads + THREAD_SLACK:
            return [
                f"threads grew from {first.threads} after pass 1 to "
                f"{resources.threads} after pass 2 (more than {THREAD_SLACK})"
            ]
        return []

    return leaks_of


class Collector:
    """Turns IOPub messages of one cell into nbformat outputs."""

    def __init__(self, execution_count):
        self.outputs = []
        self.execution_count = execution_count
        self.error = None
        self.display_ids = {}
        self.received = 0

    def handle(self, msg):
        msg_type = msg["header"]["msg_type"]
        content = msg["content"]
        if msg_type in OUTPUT_TYPES:
            self.received += 1
        if msg_type == "stream":
            last = self.outputs[-1] if self.outputs else None
            if (
                last is not None
                and last.get("output_type") == "stream"
                and last.get("name") == content["name"]
            ):
                last["text"] += content["text"]
            else:
                self.outputs.append(
                    nbformat.v4.new_output(
                        "stream", name=content["name"], text=content["text"]
                    )
                )
        elif msg_type in ("display_data", "execute_result"):
            kwargs = {
                "data": content.get("data", {}),
                "metadata": content.get("metadata", {}),
            }
            if msg_type == "execute_result":
                kwargs["execution_count"] = self.execution_count
            output = nbformat.v4.new_output(msg_type, **kwargs)
            display_id = content.get("transient", {}).get("display_id")
            if display_id:
                self.display_ids.setdefault(display_id, []).append(len(self.outputs))
            self.outputs.append(output)
        elif msg_type == "update_display_data":
            display_id = content.get("transient", {}).get("display_id")
            for i in self.display_ids.get(display_id, []):
                self.outputs[i]["data"] = content.get("data", {})
                self.outputs[i]["metadata"] = content.get("metadata", {})
        elif msg_type == "clear_output":
            self.outputs = []
            self.display_ids = {}
        elif msg_type == "error":
            self.error = content
            self.outputs.append(
                nbformat.v4.new_output(
                    "error",
                    ename=content.get("ename", ""),
                    evalue=content.get("evalue", ""),
                    traceback=content.get("traceback", []),
                )
            )


class Runner:
    def __init__(self, timeout, cwd):
        self.timeout = timeout
        self.cwd = cwd
        self.km = None
        self.kc = None
        self.pid = None

    def start(self):
        self.km = KernelManager(kernel_name="deno")
        # Like Jupyter Lab: the kernel runs in the notebook's directory, so
        # relative imports and file paths in cells resolve as in the editor.
        self.km.start_kernel(env=dict(os.environ), cwd=self.cwd)
        pid = getattr(getattr(self.km, "provisioner", None), "pid", None)
        if pid is None and getattr(self.km, "kernel", None) is not None:
            pid = getattr(self.km.kernel, "pid", None)
        self.pid = pid
        log(f"kernel pid: {pid}")
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=KERNEL_READY_TIMEOUT)
        self._wait_for_iopub()

    def _wait_for_iopub(self):
        """Make sure the IOPub subscription is live before the first cell."""
        deadline = time.monotonic() + KERNEL_READY_TIMEOUT
        while time.monotonic() < deadline:
            msg_id = self.kc.kernel_info()
            end = time.monotonic() + 1.0
            while time.monotonic() < end:
                try:
                    msg = self.kc.get_iopub_msg(timeout=0.2)
                except queue.Empty:
                    continue
                if msg.get("parent_header", {}).get("msg_id") == msg_id:
                    self._drain_shell(msg_id, deadline)
                    # Drop the rest of the kernel_info traffic.
                    self._drain_iopub_quietly(0.1)
                    return
        raise RuntimeError("Kernel IOPub channel never became ready")

    def _drain_shell(self, msg_id, deadline):
        while time.monotonic() < deadline:
            try:
                reply = self.kc.get_shell_msg(timeout=0.2)
            except queue.Empty:
                continue
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                return reply
        return None

    def _drain_iopub_quietly(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                self.kc.get_iopub_msg(timeout=0.05)
            except queue.Empty:
                pass

    def _wait(self, collect_for, wait_for, deadline, name):
        """Collect IOPub messages until `wait_for` got its reply and idle.

        Messages whose parent is `collect_for` go to its Collector.
        Returns the execute_reply content of `wait_for`.
        """
        got_idle = False
        reply = None
        while not (got_idle and reply is not None):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CellTimeout(name)
            # Poll shell without blocking the IOPub side for long.
            if reply is None:
                try:
                    msg = self.kc.get_shell_msg(timeout=0)
                    if msg.get("parent_header", {}).get("msg_id") == wait_for:
                        reply = msg["content"]
                except queue.Empty:
                    pass
            try:
                msg = self.kc.get_iopub_msg(timeout=min(0.05, max(remaining, 0.001)))
            except queue.Empty:
                if not self.km.is_alive():
                    raise RuntimeError(f"Kernel died while running {name}")
                continue
            parent = msg.get("parent_header", {}).get("msg_id")
            if parent in collect_for:
                if DEBUG and parent != next(iter(collect_for)):
                    if msg["header"]["msg_type"] in OUTPUT_TYPES:
                        debug(f"{name}: {msg['header']['msg_type']} stamped with sentinel")
                collect_for[parent].handle(msg)
            if (
                parent == wait_for
                and msg["header"]["msg_type"] == "status"
                and msg["content"].get("execution_state") == "idle"
            ):
                got_idle = True
        return reply

    def run_cell(self, source, execution_count, name):
        deadline = time.monotonic() + self.timeout
        collector = Collector(execution_count)
        msg_id = self.kc.execute(
            source, store_history=True, allow_stdin=False, stop_on_error=True
        )
        collect_for = {msg_id: collector}
        reply = self._wait(collect_for, msg_id, deadline, name)
        # Sentinel barrier. Late outputs of the cell arrive before the
        # sentinel's idle; the kernel may even stamp them with the sentinel's
        # msg_id as parent, so those count as the cell's outputs too (the
        # sentinel itself prints nothing). If a round brought any output,
        # another sentinel is sent, until a round brings none.
        for _round in range(MAX_SENTINEL_ROUNDS):
            before = collector.received
            sentinel_id = self.kc.execute(
                SENTINEL_CODE,
                store_history=False,
                allow_stdin=False,
                stop_on_error=False,
            )
            collect_for[sentinel_id] = collector
            sentinel_deadline = max(deadline, time.monotonic() + 10.0)
            self._wait(collect_for, sentinel_id, sentinel_deadline, name)
            # Short grace drain for anything still in flight.
            end = time.monotonic() + GRACE_SECONDS
            while time.monotonic() < end:
                try:
                    msg = self.kc.get_iopub_msg(timeout=0.02)
                except queue.Empty:
                    continue
                parent = msg.get("parent_header", {}).get("msg_id")
                if parent in collect_for:
                    collect_for[parent].handle(msg)
            if collector.received == before:
                break
            debug(f"{name}: sentinel round {_round + 1} caught late output")
        if reply and reply.get("status") == "error" and collector.error is None:
            collector.error = reply
        return collector

    def shutdown(self):
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:
                pass
        if self.km is not None:
            try:
                if self.km.has_kernel:
                    self.km.shutdown_kernel(now=True)
            except Exception as error:  # pragma: no cover - best effort
                log(f"kernel shutdown failed: {error}")
                try:
                    self.km.kill_kernel()
                except Exception:
                    pass
            try:
                self.km.cleanup_resources()
            except Exception:
                pass


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="notebook_client.py",
        description="Execute a notebook on the Deno kernel without losing outputs.",
    )
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument(
        "--twice",
        action="store_true",
        help="run every cell twice in one kernel, then check for leaks",
    )

    def fail(message):
        raise UsageError(message)

    parser.error = fail
    args = parser.parse_args(argv)
    if args.timeout <= 0:
        raise UsageError(f"--timeout must be a positive number, received '{args.timeout}'")
    return args


def run_pass(runner, nb, args, pass_number):
    """Runs every code cell once; returns an exit status.

    Only the first pass writes outputs and execution counts into `nb`.
    """
    keep_outputs = pass_number == 1
    execution_count = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        name = cell_name(args.input, index, pass_number)
        if not cell.source.strip():
            if keep_outputs:
                cell.outputs = []
                cell.execution_count = None
            continue
        execution_count += 1
        try:
            collector = runner.run_cell(cell.source, execution_count, name)
        except CellTimeout:
            log(f"Timeout: {name} did not finish within {args.timeout:g} s; kernel killed")
            return 3
        except Exception as error:
            log(f"{name}: {error}")
            return 1
        if keep_outputs:
            cell.outputs = collector.outputs
            cell.execution_count = execution_count
        if collector.error is not None:
            err = collector.error
            traceback = "\n".join(err.get("traceback", []))
            log(
                f"Error in {name}: {err.get('ename', '')}: {err.get('evalue', '')}\n"
                f"{traceback}"
            )
            return 1
    return 0


def run_second_pass_and_check_leaks(runner, nb, args):
    """Checks pass 1 for leaks, runs pass 2, checks it; returns an exit status."""
    pid = runner.pid
    if pid is None or not os.path.isdir(f"/proc/{pid}/task"):
        log(f"{args.input}: leak check skipped: the kernel's /proc entry is unknown")
        return run_pass(runner, nb, args, 2)
    try:
        return check_both_passes(runner, nb, args, pid)
    except OSError as error:
        log(f"{args.input}: kernel {pid} could not be inspected (did it die?): {error}")
        return 1


def check_both_passes(runner, nb, args, pid):
    started = time.monotonic()
    first, leaks = settle(pid, leaks_after_first_pass, LEAK_SETTLE_SECONDS)
    debug(f"pass 1 settled in {time.monotonic() - started:.1f} s")
    log(f"kernel resources after pass 1: {first}")
    if leaks:
        return report_leaks(args.input, leaks)
    started = time.monotonic()
    status = run_pass(runner, nb, args, 2)
    debug(f"pass 2 took {time.monotonic() - started:.1f} s")
    if status != 0:
        return status
    started = time.monotonic()
    second, leaks = settle(pid, leaks_after_second_pass(first), LEAK_SETTLE_SECONDS)
    if not leaks:
        second, leaks = settle(
            pid, thread_leaks_after_second_pass(first), THREAD_SETTLE_SECONDS
        )
    debug(f"pass 2 settled in {time.monotonic() - started:.1f} s")
    log(f"kernel resources after pass 2: {second}")
    if leaks:
        return report_leaks(args.input, leaks)
    return 0


def report_leaks(path, leaks):
    log(f"Leak in {path}: " + "; ".join(leaks))
    return 4


def main(argv):
    try:
        args = parse_args(argv)
    except UsageError as error:
        print(f"notebook_client.py: {error}", file=sys.stderr)
        return 2
    if not os.path.isfile(args.input):
        print(
            f"notebook_client.py: cannot run notebook: file not found, received '{args.input}'",
            file=sys.stderr,
        )
        return 2

    nb = nbformat.read(args.input, as_version=4)
    runner = Runner(args.timeout, os.path.dirname(os.path.abspath(args.input)))

    def on_signal(signum, _frame):
        runner.shutdown()
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    try:
        try:
            runner.start()
        except Exception as error:
            log(f"{args.input}: kernel failed to start: {error}")
            return 1
        started = time.monotonic()
        status = run_pass(runner, nb, args, 1)
        debug(f"pass 1 took {time.monotonic() - started:.1f} s")
        if status == 0 and args.twice:
            status = run_second_pass_and_check_leaks(runner, nb, args)
    finally:
        runner.shutdown()

    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = dict(LANGUAGE_INFO)
    if status == 0:
        tmp = f"{args.output}.tmp-{os.getpid()}"
        nbformat.write(nb, tmp)
        os.replace(tmp, args.output)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
