"""Grade one notebook: the grader's worker process (``python -m nnlessons.grade.runner``).

Reads a job (JSON on stdin: the notebook's throw-away copy, its lesson, the
limits, the sandbox and cgroups, the exercises' references, and a secret token),
runs the notebook cell by cell in a fresh kernel started under resource limits in
its sandbox, and after each exercise cell asks the lesson's
checker, here in this process, for a verdict on the student's function: each
call of the function is sent to the kernel as data and its return value comes
back as data (``_codec``), so nothing the notebook does to ``check``, to the
printed output or to its own namespace reaches the verdict. Prints one line:
the token, then the result as JSON.
"""

import builtins
import contextlib
import io
import json
import os
import sys
import time
import warnings
from pathlib import Path

from . import _codec
from ._kernel import MIME
from .lessons import by_name, exercise_cells, lessons

TIMEOUT_ENAME = "GraderTimeLimit"
#: bytes of cell output kept per notebook (a print loop must not fill the worker's memory)
OUTPUT_CAP = 20 * 2**20
#: bytes of one function call's result
RESULT_CAP = 64 * 2**20
#: cell errors and timed-out cells reported per notebook
MAX_LISTED = 50

VERDICTS = ("passed", "failed", "not attempted", "error", "timeout", "copied")
#: the message of an exercise answered with the package's own reference
COPIED = "uses the course's reference implementation"


class Abort(BaseException):
    """Stops a checker: the call could not be made (time limit, dead kernel, unsendable value).

    A BaseException so that no checker's ``except Exception`` swallows it.
    """

    def __init__(self, verdict, message, kernel_dead=False, out_of_time=False):
        super().__init__(message)
        self.verdict, self.message = verdict, message
        self.kernel_dead, self.out_of_time = kernel_dead, out_of_time


class Missing(Exception):
    """An argument of the checker call that the notebook does not define (or that cannot be followed)."""

    def __init__(self, expr, error, first=False):
        super().__init__(expr)
        if first:
            self.message = f"no function `{expr}` in the notebook ({error}); was its cell deleted or renamed?"
        else:
            self.message = f"the checker call passes `{expr}`, which the notebook does not define ({error})"


class StudentException(Exception):
    """The exception a student's function raised in the kernel, re-raised here under its name."""


def _output_size(out):
    if out.get("output_type") == "stream":
        return len(out.get("text", ""))
    if out.get("output_type") == "error":
        return sum(len(line) for line in out.get("traceback", [])) + len(out.get("evalue", ""))
    return sum(len(v) if isinstance(v, str) else len(json.dumps(v)) for v in out.get("data", {}).values())


def _client_class():
    from nbclient import NotebookClient

    class Client(NotebookClient):
        """A NotebookClient that keeps a bounded amount of output and remembers each reply."""

        output_bytes = 0
        last_reply = None

        def output(self, outs, msg, display_id, cell_index):
            out = super().output(outs, msg, display_id, cell_index)
            if out is not None:
                size = _output_size(out)
                ours = MIME in out.get("data", {})
                if (ours and size > RESULT_CAP) or (not ours and self.output_bytes + size > OUTPUT_CAP):
                    if outs and outs[-1] is out:
                        outs.pop()
                    return None
                if not ours:
                    self.output_bytes += size
            return out

    return Client


class NotebookRun:
    """One notebook in one kernel, with a verdict for each exercise of its lesson."""

    def __init__(self, job):
        import nbformat

        self.job = job
        self.path = Path(job["notebook"])
        self.nb = nbformat.read(self.path, as_version=4)
        self.lesson = lessons()[job["topic"]]
        self.cell_timeout = float(job["cell_timeout"])
        self.deadline = time.monotonic() + float(job["notebook_timeout"])
        self.verdicts = {}
        self.cell_errors, self.timed_out_cells = [], []
        self.status, self.detail = "graded", ""
        self.kernel_dead = False
        self.references, self.copied = [], []

    # -- the kernel ---------------------------------------------------------------------------

    def _kernel_manager(self):
        """The kernel's manager: the kernel started by ``launch`` (limits, cgroup), in the sandbox.

        Worker and kernel talk over ZeroMQ's Unix sockets in the scratch folder's ``sock``
        (the sandbox has no network); the kernel is interrupted by a message, since a
        signal to bwrap would not reach it.
        """
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import AsyncKernelManager

        root = Path(self.job["scratch"])
        runtime, sock = root / "runtime", root / "sock"
        spec_dir = runtime / "kernels" / "nnlessons-grade"
        spec_dir.mkdir(parents=True, exist_ok=True)
        sock.mkdir(exist_ok=True)
        launcher = Path(__file__).with_name("launch.py")
        cpu = int(float(self.job["notebook_timeout"])) + 60
        kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        if self.job.get("bwrap"):
            from . import sandbox

            home = root / "home"
            # The runtime folder (the connection file) is writable: ipykernel before 7 writes the
            # connection file again at start-up, and dies on a read-only one.
            kernel = sandbox.command(self.job["bwrap"], writable=[self.path.parent, home, sock, runtime],
                                     readable=[], workdir=self.path.parent, inner=kernel)
        argv = [sys.executable, str(launcher), str(self.job["memory_mb"]), str(cpu), str(self.job["file_mb"]),
                *self.job.get("cgroups", []), "--", *kernel]
        (spec_dir / "kernel.json").write_text(json.dumps(
            {"argv": argv, "display_name": "nnlessons grading", "language": "python",
             "interrupt_mode": "message"}), encoding="utf-8")
        ksm = KernelSpecManager(kernel_dirs=[str(runtime / "kernels")], ensure_native_kernel=False)
        km = AsyncKernelManager(kernel_name="nnlessons-grade", kernel_spec_manager=ksm, transport="ipc",
                                ip=str(sock / "k"))
        km.connection_file = str(runtime / "connection.json")
        return km

    def _environment(self):
        root = Path(self.job["scratch"])
        home = root / "home"
        (home / "tmp").mkdir(parents=True, exist_ok=True)
        mpl = home / ".matplotlib"
        mpl.mkdir(exist_ok=True)
        cache = self.job.get("mpl_cache")
        if cache and Path(cache).is_dir():
            # The font cache, copied: building it would cost seconds per kernel.
            for font_list in Path(cache).glob("fontlist-*.json"):
                (mpl / font_list.name).write_bytes(font_list.read_bytes())
        profile = home / ".ipython" / "profile_default"
        profile.mkdir(parents=True, exist_ok=True)
        # The verdicts read no figure; rendering PNGs was close to half the time of notebook 01.
        (profile / "ipython_kernel_config.py").write_text(
            'c.DisplayFormatter.active_types = ["text/plain"]\n', encoding="utf-8")
        env = {"HOME": str(home), "TMPDIR": str(home / "tmp"), "IPYTHONDIR": str(home / ".ipython"),
               "MPLCONFIGDIR": str(mpl), "MPLBACKEND": "Agg", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0",
               "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        for name in ("PATH", "PYTHONPATH", "VIRTUAL_ENV", "SYSTEMROOT"):
            if name in os.environ:
                env[name] = os.environ[name]
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
            env[name] = "1"
        return env

    def _timeout(self):
        remaining = self.deadline - time.monotonic()
        return min(self.cell_timeout, remaining)

    def _execute(self, cell, index, store_history=True):
        """Run one cell; returns the kernel's reply content, or raises Abort."""
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        timeout = self._timeout()
        if timeout <= 0:
            raise Abort("timeout", f"the notebook's time limit ({self.job['notebook_timeout']:g} s) was "
                                   f"reached before this point", out_of_time=True)
        self.current_timeout = max(timeout, 0.1)
        self.client.last_reply = None
        try:
            self.client.execute_cell(cell, index, store_history=store_history)
        except DeadKernelError:
            self.kernel_dead = True
            raise Abort("error", "the kernel died (os._exit, exit(), a crash, or the memory or CPU "
                                 "limit)", kernel_dead=True) from None
        except CellTimeoutError:
            raise Abort("timeout", f"no answer within {timeout:.0f} s") from None
        reply = (self.client.last_reply or {}).get("content", {})
        if reply.get("ename") == TIMEOUT_ENAME:
            raise Abort("timeout", f"still running after {timeout:.0f} s (an endless loop?), interrupted")
        return reply

    # -- one call of the student's function --------------------------------------------------

    def _ask(self, index, code):
        """Run ``code`` (a call of the ``_kernel`` helper) after cell ``index``; the helper's answer."""
        from nbformat.v4 import new_code_cell

        cell = new_code_cell(f"__import__('nnlessons.grade._kernel', fromlist=['call']).{code}")
        self._execute(cell, index, store_history=False)
        results = [o["data"][MIME] for o in cell.outputs
                   if o.get("output_type") == "display_data" and MIME in o.get("data", {})]
        if not results or not isinstance(results[-1], dict):
            raise Abort("error", "the grader got no answer from the kernel (was the grading helper "
                                 "broken by the notebook?)")
        return results[-1]

    def _call(self, index, expr, args, graph):
        values = [_codec.encode(a, graph=graph) for a in args]
        payload = json.dumps({"values": values, "nodes": graph.table()})
        return self._ask(index, f"call({expr!r}, {payload!r}, {json.dumps(self.references)!r})")

    def _arguments(self, index, call):
        """``(args, kwargs)`` for the checker: the values the notebook's ``call`` passes, as the grader sees them.

        A function stays in the kernel and arrives as a proxy that calls it
        there; any other value arrives as data (a stand-in keeping its type name
        where it cannot travel). Raises Missing for an argument the notebook
        does not define (except the optional ones of a made-up call).
        """
        exprs = list(call.args) + ["**" + src if key == "**" else src for key, src in call.kwargs]
        answer = self._ask(index, f"describe({json.dumps(exprs)!r})")
        described = answer.get("values") if answer.get("status") == "described" else None
        if not isinstance(described, list) or len(described) != len(exprs):
            raise Abort("error", "the grader got a malformed answer from the kernel")
        values = []
        for position, (expr, entry) in enumerate(zip(exprs, described)):
            entry = entry if isinstance(entry, dict) else {}
            if entry.get("status") == "missing":
                first = position == 0 and bool(call.args)
                values.append(Missing(expr, str(entry.get("error", ""))[:300], first=first))
            elif entry.get("status") == "items" and expr.startswith("*"):
                items = entry.get("items") if isinstance(entry.get("items"), list) else []
                values.append([self._value(index, f"({expr[1:]})[{i}]", item) for i, item in enumerate(items)])
            elif entry.get("status") == "mapping" and expr.startswith("**"):
                items = entry.get("items") if isinstance(entry.get("items"), list) else []
                values.append({str(key): self._value(index, f"({expr[2:]})[{str(key)!r}]", item)
                               for key, item in (i for i in items if isinstance(i, list) and len(i) == 2)})
            else:
                values.append(self._value(index, expr, entry))
        positional, named = values[:len(call.args)], values[len(call.args):]
        args, kwargs = [], {}
        for expr, value in zip(call.args, positional):
            if isinstance(value, Missing):
                raise value
            args.extend(value if expr.startswith("*") else [value])
        for (key, expr), value in zip(call.kwargs, named):
            if isinstance(value, Missing):
                if call.optional:
                    continue
                raise value
            if key == "**":
                kwargs.update(value)
            else:
                kwargs[key] = value
        return args, kwargs

    def _value(self, index, expr, entry):
        entry = entry if isinstance(entry, dict) else {}
        if entry.get("callable"):
            return self._proxy(index, expr)
        if "value" in entry:
            try:
                return _codec.decode(entry["value"])
            except _codec.CodecError:
                pass
        elif "error" in entry:
            raise Abort("error", f"`{expr}` cannot be sent from the notebook to the grader: {entry['error']}")
        return _codec.decode({"__opaque__": str(entry.get("type", "object")), "text": entry.get("text", "")})

    def _proxy(self, index, expr):
        def learner(*args):
            try:
                graph = _codec.Graph()
                answer = self._call(index, expr, args, graph)
            except Abort as stop:
                if stop.verdict == "timeout" and not stop.out_of_time:
                    # Name the function that ran too long: it may be an earlier exercise this one calls.
                    raise Abort("timeout", f"`{expr}`: {stop.message}") from None
                raise
            except _codec.CodecError as exc:
                raise Abort("error", f"cannot be graded outside the notebook: {exc}") from None
            except Exception as exc:  # the grader's own failure: not the student's exception
                raise Abort("error", f"the grader could not call the function: {type(exc).__name__}: "
                                     f"{str(exc)[:200]}") from None
            status = answer.get("status")
            copied = answer.get("copied")
            if isinstance(copied, list):
                self.copied += [str(c)[:200] for c in copied[:10] if str(c)[:200] not in self.copied]
            if status == "raised":
                if answer.get("not_implemented"):
                    raise NotImplementedError(answer.get("evalue", ""))
                name = str(answer.get("ename", "Exception"))
                raise type(name if name.isidentifier() else "Exception", (StudentException,), {})(
                    answer.get("evalue", ""))
            if status != "ok":
                raise Abort("error", f"the kernel could not run or send back your function's "
                                     f"result ({answer.get('error', status)})")
            try:
                graph.load(answer["nodes"])
                result = _codec.decode(answer["result"], graph=graph)
                after = [_codec.decode(a, graph=graph) for a in answer["args"]]
            except (_codec.CodecError, KeyError, TypeError) as exc:
                raise Abort("error", f"unreadable answer from the kernel: {exc}") from None
            for original, changed in zip(args, after):
                _codec.write_back(original, changed)
            for category, text in answer.get("warnings", []):
                cls = getattr(builtins, str(category), None)
                if not (isinstance(cls, type) and issubclass(cls, Warning)):
                    cls = UserWarning
                warnings.warn(str(text), cls, stacklevel=2)
            return result

        return learner

    def grade(self, name, index, call):
        """Record the verdict of exercise ``name``: its checker called as ``call`` (a ``lessons.Call``).

        The call is made after cell ``index``, on the kernel's state at that point.
        """
        checker = self.lesson.checker(name)
        references = self.job.get("references", {}).get(name, [])
        self.references, self.copied = [str(r) for r in references], []
        self._check(name, index, call, checker)
        seen = getattr(self._result, "copied", None)  # the checker's own detection, where it has one
        if seen and not isinstance(seen, (list, tuple)):
            seen = ["seen by the checker"]
        copied = self.copied + [str(c) for c in seen or [] if str(c) not in self.copied]
        if copied and self.verdicts.get(name, ("",))[0] not in ("not attempted",):
            self.verdicts[name] = ("copied", f"{COPIED} ({', '.join(map(str, copied))[:300]}): no credit")

    def _check(self, name, index, call, checker):
        self._result = None
        try:
            try:
                args, kwargs = self._arguments(index, call)
            except Missing as missing:
                self.verdicts[name] = ("error", missing.message)
                return
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed), warnings.catch_warnings(record=True):
                warnings.simplefilter("always")
                try:
                    result = self._result = checker(*args, **kwargs)
                except StudentException:
                    # Checkers report a learner's exception as a failed result; one raised where a
                    # checker calls the learner outside its reporting still fails, with its line.
                    result = None
        except Abort as stop:
            self.verdicts[name] = (stop.verdict, stop.message)
            return
        except Exception as exc:  # a checker that cannot handle what came back: say so, go on
            self.verdicts[name] = ("error", f"the checker failed: {type(exc).__name__}: {str(exc)[:200]}")
            return
        if result is None:
            prefix = f"FAILED  {name}: "
            lines = [ln for ln in printed.getvalue().splitlines() if ln.startswith(prefix)]
            message = lines[-1][len(prefix):] if lines else "your function raised an exception"
            self.verdicts[name] = ("failed", message.replace(" (traceback below)", ""))
        elif result.passed:
            self.verdicts[name] = ("passed", result.message)
        elif str(result.message).endswith(_not_implemented()):
            # A stub's line ends so, also when the stub is an earlier exercise this one calls.
            self.verdicts[name] = ("not attempted", result.message)
        else:
            self.verdicts[name] = ("failed", result.message)

    # -- the notebook ---------------------------------------------------------------------------

    def run(self):
        import subprocess

        started = time.monotonic()
        where = exercise_cells(self.nb, self.lesson)
        by_cell = {}
        for name, (index, call) in where.items():
            by_cell.setdefault(index, []).append((name, call))
        Client = _client_class()
        self.current_timeout = self.cell_timeout
        self.client = Client(
            self.nb, km=self._kernel_manager(), allow_errors=True, record_timing=False,
            interrupt_on_timeout=True, iopub_timeout=5,
            error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": "time limit", "traceback": []},
            timeout_func=lambda cell: self.current_timeout,
            startup_timeout=int(max(10, min(60, float(self.job["notebook_timeout"])))),
            resources={"metadata": {"path": str(self.path.parent)}})
        self.client.on_cell_executed = self._remember_reply
        cells = list(self.nb.cells)
        last = None
        try:
            # No pipe of the worker's reaches the kernel: its stdin, stdout and stderr are /dev/null.
            with self.client.setup_kernel(env=self._environment(), stdin=subprocess.DEVNULL,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
                for index, cell in enumerate(cells):
                    if cell.cell_type != "code":
                        continue
                    last = index
                    try:
                        reply = self._execute(cell, index)
                    except Abort as stop:
                        if stop.kernel_dead or stop.out_of_time:
                            self.status = "kernel died" if stop.kernel_dead else "time limit"
                            self.detail = f"cell {index + 1}: {stop.message}"
                            break
                        self.timed_out_cells.append(index + 1)
                    else:
                        if reply.get("status") == "error":
                            self.cell_errors.append({"cell": index + 1, "ename": str(reply.get("ename", ""))[:100],
                                                     "evalue": str(reply.get("evalue", ""))[:300]})
                    for name, call in by_cell.get(index, []):
                        if not self.kernel_dead:
                            self.grade(name, index, call)
                    if self.kernel_dead:
                        self.status, self.detail = "kernel died", f"the kernel died while grading cell {index + 1}"
                        break
                # An exercise whose checker call was removed: its function, by name, at the end,
                # with the notebook's functions named like the checker's keyword parameters.
                for name in self.lesson.exercises:
                    if name not in self.verdicts and self.status == "graded" and not self.kernel_dead:
                        self.grade(name, last if last is not None else 0, by_name(self.lesson.checker(name), name))
                if self.kernel_dead and self.status == "graded":
                    self.status, self.detail = "kernel died", "the kernel died while the grader called a function"
        except Abort as stop:  # the kernel died or the clock ran out during the final sweep
            self.status, self.detail = ("kernel died" if stop.kernel_dead else "time limit"), stop.message
        except Exception as exc:  # the kernel would not start, or nbclient failed: say so, grade the rest
            self.status, self.detail = "grader error", f"{type(exc).__name__}: {str(exc)[:300]}"
        for name, used in self.job.get("reference_uses", {}).items():
            self.verdicts[name] = ("copied", f"{COPIED} (an exercise cell names {', '.join(used)}): no credit")
        reason = {"kernel died": "not graded: the kernel died before this exercise",
                  "time limit": "not graded: the notebook's time limit was reached first",
                  "grader error": "not graded: " + self.detail}.get(self.status, "not graded")
        verdict = "timeout" if self.status == "time limit" else "error"
        exercises = {}
        for name in self.lesson.exercises:
            v, message = self.verdicts.get(name, (verdict, reason))
            exercises[name] = {"verdict": v, "message": message}
        return {"status": self.status, "detail": self.detail, "exercises": exercises,
                "cell_errors": self.cell_errors[:MAX_LISTED], "timed_out_cells": self.timed_out_cells[:MAX_LISTED],
                "seconds": round(time.monotonic() - started, 2)}

    def _remember_reply(self, cell, cell_index, execute_reply):
        self.client.last_reply = execute_reply


def _not_implemented():
    from nnlessons.check import NOT_IMPLEMENTED

    return NOT_IMPLEMENTED


def _limit_memory(megabytes):
    """This worker's own address-space limit (a forged answer must not make it take the machine)."""
    import resource

    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        value = megabytes * 2**20 if hard == resource.RLIM_INFINITY else min(megabytes * 2**20, hard)
        resource.setrlimit(resource.RLIMIT_AS, (value, hard))
    except (ValueError, OSError):
        pass


def main():
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        # This worker (and through --die-with-parent its kernel) ends when the grader does.
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    job = json.loads(sys.stdin.read(1 << 20))
    token = job.pop("token")
    if job.get("worker_memory_mb"):
        _limit_memory(int(job["worker_memory_mb"]))
    try:
        result = NotebookRun(job).run()
    except Exception as exc:
        result = {"status": "grader error", "detail": f"{type(exc).__name__}: {str(exc)[:300]}",
                  "exercises": {}, "cell_errors": [], "timed_out_cells": [], "seconds": 0.0}
    sys.stdout.write(token + " " + json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
