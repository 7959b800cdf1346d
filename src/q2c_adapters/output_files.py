"""Files the ``q2c`` commands write (``--out``): whole or not at all.

A document or an export written straight into its file empties it first: a write that fails
part way (a full disk) leaves half a file and has already destroyed the one that was there
(last month's PDF of the invoice, last night's export)."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path


def write_whole(out: Path, data: bytes) -> None:
    """Write ``data`` to ``out`` whole or not at all: into a scratch file beside it, synced,
    then put in its place in one step, so a write that fails part way leaves the file that was
    there as it was, and no scratch file. The file keeps the permissions it had (a new one gets
    those ``open`` would give it); a link is followed (the file it names is replaced). A file
    the user may not write (one made read-only to keep it) is refused as writing it would be.
    What is not a regular file (``/dev/stdout``, ``/dev/null``, a named pipe another program
    reads, a terminal) is written into as it is: it cannot be replaced, and is never replaced
    by a file."""
    try:
        found = os.stat(out)
    except FileNotFoundError:
        found = None
    if found is not None and not stat.S_ISREG(found.st_mode):
        with open(out, "wb") as stream:
            stream.write(data)
        return
    target = Path(os.path.realpath(out))
    if target.exists() and not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(out))
    fd, scratch = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            try:
                mode = stat.S_IMODE(os.stat(target).st_mode)
            except FileNotFoundError:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask  # (a new file's, as ``open`` creates it)
            os.chmod(f.fileno(), mode)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(scratch, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(scratch)
        raise
