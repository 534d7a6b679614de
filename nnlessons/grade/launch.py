"""Start a kernel under resource limits (the kernel spec's command; stdlib only, run as a script).

    python launch.py MEMORY_MB CPU_SECONDS FILE_MB [CGROUP_DIR ...] -- [bwrap ... --] python -m ipykernel_launcher -f FILE

Moves itself into the submission's cgroups (made by the grader), sets the
per-process limits, asks Linux to kill it when the grader's worker dies, then
replaces itself by the kernel command (the sandbox, see ``sandbox``): the
cgroups and limits hold for the kernel and everything it starts.
"""

import os
import resource
import signal
import sys


def _limit(which, value):
    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    try:
        resource.setrlimit(which, (value, value))
    except (ValueError, OSError):
        # A system may refuse a limit (some do for RLIMIT_AS): the kernel runs without that one.
        print(f"nnlessons grading: could not set resource limit {which}", file=sys.stderr)


def main(argv):
    split = argv.index("--")
    memory_mb, cpu_seconds, file_mb = (int(a) for a in argv[:3])
    command = argv[split + 1:]
    for folder in argv[3:split]:
        # Before anything else: every process started from here on is counted in the cgroup.
        with open(os.path.join(folder, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))
    _limit(resource.RLIMIT_AS, memory_mb * 2**20)  # address space: allocation fails with MemoryError
    _limit(resource.RLIMIT_CPU, cpu_seconds)        # backstop if the wall-clock limits fail
    _limit(resource.RLIMIT_FSIZE, file_mb * 2**20)  # no file larger than this
    _limit(resource.RLIMIT_CORE, 0)
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    os.execv(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
