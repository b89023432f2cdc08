# Ctrl-C from the very first line: see dlstudy._entry (imported after the handler is in place).
import signal as _signal


def _quiet_exit(signum: int, frame: object) -> None:
    import os
    import sys

    sys.stderr.write("\n")
    os._exit(130)


_signal.signal(_signal.SIGINT, _quiet_exit)

from dlstudy._entry import main  # noqa: E402

main()
