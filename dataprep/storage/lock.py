"""One run at a time per output folder: an exclusive lock on a file beside it.

Two runs writing the same OUT would share its temporary folder, so the second one refuses at
once, naming the first one's process. The lock is the kernel's (``flock``), so it is released
when the holder ends however it ends (a crash or SIGKILL leaves nothing stale); the lock file
is removed when the lock is released. A run that opened the file just before it was removed
notices (the path no longer names the file it locked) and tries again.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from dataprep.errors import OutputError


def _busy_error(out_dir: Path, holder: str) -> OutputError:
    """``out_dir`` is being written by process ``holder``."""
    return OutputError.naming(
        lambda arg: (
            f"{out_dir}: another dataprep run (process {holder}) is writing it; wait "
            f"for it to finish or choose another {arg('out_dir', flag='-o')}"
        )
    )


class OutputLock:
    """The lock of one output folder ``out_dir``, held from ``acquire`` to ``release``."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir)
        self.path = self.out_dir.parent / f".{self.out_dir.name}.dataprep-lock"
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock, or raise OutputError naming the run that holds it."""
        if self._fd is not None:
            return
        while True:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as error:
                raise OutputError(f"{self.out_dir}: cannot be written: {error.strerror}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                os.close(fd)
                raise _busy_error(self.out_dir, holder) from None
            if _same_file(fd, self.path):
                break
            os.close(fd)  # removed by its previous holder after we opened it: open it again
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Give the lock up (nothing when it is not held)."""
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(self._fd)
            self._fd = None


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (on_disk.st_dev, on_disk.st_ino) == (held.st_dev, held.st_ino)
