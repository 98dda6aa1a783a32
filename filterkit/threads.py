"""One thread per process for the native libraries, unless the user asks for more.

filterkit's parallelism comes from processes (``--jobs``, a Spark executor's tasks, a
datatrove worker) and from scoring pages in batches. A native library that starts its
own thread pool per process (OpenMP in scikit-learn's trees, BLAS under numpy) makes
those processes fight for the same cores: on a busy 2-core machine, two OpenMP threads
made tree prediction four times slower than one. So every process that loads a model
limits those pools to ``FILTERKIT_THREADS`` threads (default 1); set it to a number,
or to 0 to leave the libraries' own defaults, to give a process more.
"""
from __future__ import annotations

import os

THREADS_VARIABLE = "FILTERKIT_THREADS"
MAX_THREADS = 1024  # more is a typo, and would overflow the C int the libraries take


def native_threads() -> int | None:
    """The thread count filterkit gives native libraries: FILTERKIT_THREADS, default 1; None for theirs."""
    value = os.environ.get(THREADS_VARIABLE, "1").strip()
    try:
        count = int(value)
    except ValueError:
        return 1
    return min(count, MAX_THREADS) if count > 0 else None


def limit_native_threads() -> None:
    """Limit the thread pools of the native libraries loaded so far, and of those loaded later that read
    the usual environment variables; called whenever a model has been loaded."""
    count = native_threads()
    if count is None:
        return
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, str(count))  # libraries loaded after this point read these
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=count)  # and these are the ones already loaded
