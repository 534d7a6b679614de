"""One sandbox per submission: bubblewrap (``bwrap``) around the kernel, a cgroup around it all.

The kernel of each notebook runs under Debian's ``bubblewrap`` (the sandbox behind Flatpak):
no network (the grader's worker reaches the kernel through Unix sockets in the scratch
folder), its own PID, IPC, UTS and cgroup namespaces (no other kernel, worker or the grader
visible), no capabilities, a file system of read-only Python and ``nnlessons`` package
folders with only the submission's scratch folders writable, and ``--die-with-parent``.
When the kernel ends, bwrap's PID 1 ends and Linux kills everything left in the namespace,
detached and ``setsid`` processes included.

Around it a cgroup (v1 or v2, made as a child of the grader's own cgroup where the grader
may write there) limits memory, process count and CPU for the whole submission, not per
process, and is emptied by the grader when the submission ends. Where no cgroup can be
made (a normal user without a delegated cgroup) the per-process limits of ``launch`` are
what remains; the report says which limits held.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

#: what the sandbox does, said when the grader refuses to run without it
ISOLATES = ("each kernel without network, in its own PID namespace (no other kernel, worker or the "
            "grader visible), without capabilities, seeing only read-only Python and the nnlessons "
            "package and its own writable scratch folder (not the other submissions, the report "
            "folder, the course repository or $HOME), and, where a cgroup can be made, memory, "
            "process count and CPU limited for the whole submission, everything it started killed "
            "when it ends")


class SandboxUnavailable(RuntimeError):
    """No working bubblewrap here, and the instructor did not ask to grade without one."""


def find_bwrap():
    """The path of a working ``bwrap`` and ``None``, or ``None`` and why there is none."""
    path = shutil.which("bwrap")
    if path is None:
        return None, "bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    try:
        probe = subprocess.run([path] + base_args() + ["--", "/bin/sh", "-c", "exit 0"],
                               capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"bwrap could not run: {exc}"
    if probe.returncode != 0:
        why = probe.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {probe.returncode}"]
        return None, f"bwrap does not work here ({why[0][:200]}; user namespaces may be disabled)"
    return path, None


def _system_dirs():
    """bwrap options for the system's programs and libraries: read-only, with their symlinks."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    # The few files of /etc that programs read (no secrets: passwd has no password hashes).
    for name in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "passwd", "group",
                 "nsswitch.conf", "fonts", "alternatives"):
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args


def base_args():
    """The options every sandbox gets: namespaces, no capabilities, the system read-only."""
    return (["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
             "--proc", "/proc", "--dev", "/dev", "--hostname", "grading"] + _system_dirs())


def python_dirs():
    """The folders the kernel needs to read: Python's prefixes and the package, not its repository."""
    import nnlessons

    dirs = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix,
            os.path.dirname(os.path.realpath(sys.executable)),
            # An editable install: the package folder alone (its repository holds the solutions).
            str(Path(nnlessons.__file__).resolve().parent)}
    dirs = sorted({os.path.realpath(d) for d in dirs if d and os.path.isdir(d)} | {d for d in dirs if d})
    # A folder inside another is bound with it; /usr is bound already.
    kept = []
    for d in dirs:
        if d.startswith("/usr/") or d == "/usr" or not os.path.isdir(d):
            continue
        if any(d == k or d.startswith(k.rstrip("/") + "/") for k in kept):
            continue
        kept.append(d)
    return kept


def command(bwrap, writable, readable, workdir, inner):
    """The bwrap command that runs ``inner`` in a sandbox.

    ``writable`` folders are bound read-write at their own paths, ``readable`` ones
    read-only; /tmp is an empty tmpfs (its memory counts in the submission's cgroup).
    """
    # ipykernel watches JPY_PARENT_PID, a process it cannot see here: --die-with-parent does that job.
    args = [bwrap] + base_args() + ["--tmpfs", "/tmp", "--unsetenv", "JPY_PARENT_PID"]
    for d in python_dirs():
        args += ["--ro-bind", d, d]
    for d in readable:
        args += ["--ro-bind", str(d), str(d)]
    for d in writable:
        args += ["--bind", str(d), str(d)]
    # The sandbox's own root (a tmpfs holding the mount points) read-only too: only the
    # writable folders and /tmp take writes.
    args += ["--remount-ro", "/", "--chdir", str(workdir), "--"]
    return args + list(inner)


# -- cgroups ----------------------------------------------------------------------------------

_V1 = Path("/sys/fs/cgroup")


def _own_cgroups():
    """``{controller: its folder}`` of this process's cgroups that we may make children in."""
    found = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers == "":  # cgroup v2
            base = _V1 / path.lstrip("/")
            if (base / "cgroup.controllers").is_file():
                found["v2"] = base
            continue
        for c in ("memory", "pids", "cpu"):
            if c in controllers.split(","):
                base = _V1 / controllers / path.lstrip("/")
                if base.is_dir():
                    found[c] = base
    return found


class Cgroup:
    """The cgroups of one submission: memory, process count and CPU for everything it starts."""

    def __init__(self, name, memory_mb, max_pids, cpus=1.0):
        self.dirs, self.limits = [], []
        own = _own_cgroups()
        for controller, settings in (
                ("memory", {"memory.limit_in_bytes": memory_mb * 2**20, "memory.swappiness": 0}),
                ("pids", {"pids.max": max_pids}),
                ("cpu", {"cpu.cfs_period_us": 100_000, "cpu.cfs_quota_us": int(100_000 * cpus)})):
            if controller not in own:
                continue
            folder = own[controller] / name
            if self._make(folder, settings):
                self.limits.append(controller)
        if not self.dirs and "v2" in own:
            folder = own["v2"] / name
            wanted = {"memory.max": memory_mb * 2**20, "memory.swap.max": 0, "pids.max": max_pids,
                      "cpu.max": f"{int(100_000 * cpus)} 100000"}
            if self._make(folder, wanted, partial=True):
                self.limits += [k.split(".")[0] for k in wanted if (folder / k).exists()]

    def _make(self, folder, settings, partial=False):
        try:
            folder.mkdir()
        except OSError:
            return False
        self.dirs.append(folder)
        ok = False
        for key, value in settings.items():
            try:
                (folder / key).write_text(str(value))
                ok = True
            except OSError:
                if not partial and not key.endswith("swappiness"):
                    return False
        return ok

    def procs(self):
        pids = set()
        for d in self.dirs:
            try:
                pids |= {int(p) for p in (d / "cgroup.procs").read_text().split()}
            except (OSError, ValueError):
                pass
        return pids

    def kill(self, wait=5.0):
        """Kill every process in the cgroups; True when they are empty within ``wait`` seconds."""
        deadline = time.monotonic() + wait
        while True:
            pids = self.procs()
            if not pids:
                return True
            for d in self.dirs:
                try:
                    (d / "cgroup.kill").write_text("1")  # cgroup v2, kernel 5.14+
                except OSError:
                    pass
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)

    def remove(self):
        self.kill()
        for d in self.dirs:
            try:
                d.rmdir()
            except OSError:
                pass
