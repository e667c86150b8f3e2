"""Snapshot Guard's helper, run once inside a dedicated Python kernel.

The Jupyter Contents API hides dotfiles, so the extension does its file work
(listing `.git/`, reading and writing `.amlignore`, copying a notebook) through
this code instead. It is sent to the kernel as static source; requests arrive
as comm messages ``{id, op, args}`` and never as code, so no argument is ever
evaluated. Replies are ``{id, ok: true, result}`` or
``{id, ok: false, error: {type, message}}``; bytes travel as comm buffers.

Importable as a plain module too: tests call ``Helper`` directly.

Written as parts (src/kernel/helper/*.py) that scripts/embed-python.js joins,
in a fixed order, into this one module: common.py (this part: the protocol's
constants, errors and the low-level file helpers), files.py, archive.py,
azure.py, data.py and server.py (Helper and the comm server).
"""

import errno
import hashlib
import importlib.util
import json
import os
import re
import stat as statmod
import sys
import threading
import time
import zlib

PROTOCOL = 1
TARGET = 'snapshot_guard'
CHUNK = 4 * 1024 * 1024
MAX_READ = 64 * 1024 * 1024


class HelperError(Exception):
    """An error the client should see by type, with a message for people."""

    def __init__(self, type_, message, **extra):
        super().__init__(message)
        self.type = type_
        self.message = message
        self.extra = extra

    def payload(self):
        return dict(self.extra, type=self.type, message=self.message)


def _reason(err):
    # Same words as the Node adapter (src/node/node-fs.ts), so both sides
    # produce the same warnings.
    code = getattr(err, 'errno', None)
    if code in (errno.EACCES, errno.EPERM):
        return 'permission denied'
    if code == errno.ENOENT:
        return 'no longer exists'
    if code is not None and code in errno.errorcode:
        return errno.errorcode[code]
    return str(err)


def _os_error(err, rel, doing):
    kinds = {
        FileNotFoundError: 'NotFound',
        PermissionError: 'PermissionDenied',
        FileExistsError: 'Exists',
        NotADirectoryError: 'NotADirectory',
        IsADirectoryError: 'IsADirectory',
    }
    type_ = 'OSError'
    for cls, name in kinds.items():
        if isinstance(err, cls):
            type_ = name
            break
    text = err.strerror or str(err)
    return HelperError(type_, "Cannot %s '%s': %s" % (doing, rel, text), path=rel)


def _identity(st):
    return '%d:%d' % (st.st_dev, st.st_ino)


def _file_identity(st):
    # The inode alone is reused at once when a file is deleted and another
    # created; the change time tells the two apart (and any later edit).
    return '%d:%d:%d' % (st.st_dev, st.st_ino, st.st_ctime_ns)


def _ms(st):
    return st.st_mtime_ns / 1e6


def _open_regular(path, dir_fd=None, follow=True):
    """An fd for reading a regular file; never blocks on a FIFO or device.

    O_NONBLOCK makes open() return at once on a FIFO with no writer; fstat
    then refuses anything that is not a regular file before a byte is read.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, 'O_CLOEXEC', 0)
    if not follow:
        flags |= os.O_NOFOLLOW
    fd = os.open(path, flags, dir_fd=dir_fd)
    try:
        st = os.fstat(fd)
        if not statmod.S_ISREG(st.st_mode):
            raise NotRegular()
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, st


class NotRegular(OSError):
    """Opened something that is not a regular file (FIFO, device, folder)."""


def _sha256_fd(fd):
    h = hashlib.sha256()
    while True:
        block = os.read(fd, CHUNK)
        if not block:
            break
        h.update(block)
    return h.hexdigest()


def _sha256_file(path, dir_fd=None, follow=True):
    fd, _ = _open_regular(path, dir_fd=dir_fd, follow=follow)
    try:
        return _sha256_fd(fd)
    finally:
        os.close(fd)


def _tmp_name(kind='tmp'):
    # Short whatever the target's name: a name of 255 bytes must still get
    # a temporary sibling (NAME_MAX is 255 bytes).
    return '.sg-%s-%s.part' % (kind, os.urandom(6).hex())


# Called just before a write lands (after its last check); tests set it to
# change the file at the worst moment.
_before_commit = None


def _pause(step):
    """A test hook: stop at a known point of an operation.

    Only when the kernel's environment has SNAPSHOT_GUARD_TEST_PAUSE (a
    folder) and that folder holds a file named `step`: the helper writes its
    pid to `step.paused` and waits until `step` is removed, so a test can
    kill the kernel at exactly this point (no timing involved).
    """
    folder = os.environ.get('SNAPSHOT_GUARD_TEST_PAUSE')
    if not folder:
        return
    gate = os.path.join(folder, step)
    if not os.path.exists(gate):
        return
    with open(gate + '.paused', 'w') as f:
        f.write(str(os.getpid()))
    while os.path.exists(gate):
        time.sleep(0.05)


def _fsync_dir(folder):
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _new_tmp(dfd, rel):
    """(fd, None) of a new anonymous file in folder `dfd` (O_TMPFILE), or
    (fd, name) of a temporary file where the file system has no O_TMPFILE."""
    if hasattr(os, 'O_TMPFILE') and os.path.isdir('/proc/self/fd'):
        try:
            return os.open('.', os.O_TMPFILE | os.O_RDWR, 0o666, dir_fd=dfd), None
        except OSError:
            pass
    tmp = _tmp_name()
    try:
        # 0o666 minus the umask, like any new file.
        return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666, dir_fd=dfd), tmp
    except OSError as err:
        raise _os_error(err, rel, 'write')


def _link_anonymous(fd, dfd, name):
    """Give an O_TMPFILE file a name in folder `dfd`; fails if it exists.

    Through /proc with AT_SYMLINK_FOLLOW, as open(2) describes. os.link only
    passes that flag to linkat() when a dir_fd is given.
    """
    os.link('/proc/self/fd/%d' % fd, name, dst_dir_fd=dfd, follow_symlinks=True)
