"""Snapshot Guard's helper, run once inside a dedicated Python kernel.

The Jupyter Contents API hides dotfiles, so the extension does its file work
(listing `.git/`, reading and writing `.amlignore`, copying a notebook) through
this code instead. It is sent to the kernel as static source; requests arrive
as comm messages ``{id, op, args}`` and never as code, so no argument is ever
evaluated. Replies are ``{id, ok: true, result}`` or
``{id, ok: false, error: {type, message}}``; bytes travel as comm buffers.

Importable as a plain module too: tests call ``Helper`` directly.
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

# A file of this name in a folder marks an incomplete copy made by "Move to
# a clean folder"; it is also its journal. Visible on purpose: the user sees
# it in the file browser, and the guard recognises it.
MARKER = 'SNAPSHOT-GUARD-INCOMPLETE.txt'
MARKER_HEAD = (
    'This folder is an incomplete copy made by Snapshot Guard '
    '("Move to a clean folder"): the copy was interrupted.\n'
    'Press Submit on a notebook in the folder above and Snapshot Guard '
    'offers to remove what it copied, or delete this folder yourself.\n'
    '--- journal: one JSON object a line, paths relative to this folder ---\n'
)


class Helper:
    """The operations, over a root folder. Paths are root-relative."""

    def __init__(self, root):
        self.root = os.path.abspath(root)
        self.real_root = os.path.realpath(self.root)
        # What this helper created, with each one's identity: only these
        # may be removed again, and copies go only into folders made by
        # mkdir_unique.
        self.created_dirs = {}
        self.created_files = {}
        # The folders made by mkdir_unique (copies go only there).
        self.clean_dirs = set()
        self._lock = threading.Lock()
        # Zips being written (upload_*): token -> state.
        self.uploads = {}

    # -- paths --------------------------------------------------------------

    def resolve(self, rel, what='path'):
        """Confine a client path to the root, lexically; (absolute, relative)."""
        if not isinstance(rel, str):
            raise HelperError('BadPath', 'The %s must be a string.' % what)
        if '\x00' in rel:
            raise HelperError('BadPath', 'The %s contains a NUL character.' % what)
        if rel.startswith('/') or os.path.isabs(rel):
            raise HelperError(
                'BadPath',
                "The %s '%s' is absolute; paths are relative to the server root."
                % (what, rel),
            )
        if os.sep != '/' and (os.sep in rel or ':' in rel):
            raise HelperError('BadPath', "The %s '%s' is not a '/'-separated relative path." % (what, rel))
        parts = [p for p in rel.split('/') if p not in ('', '.')]
        if '..' in parts:
            raise HelperError(
                'BadPath',
                "The %s '%s' contains '..': it must stay inside the server root." % (what, rel),
            )
        return os.path.join(self.root, *parts), '/'.join(parts)

    def _inside_real_root(self, real):
        return real == self.real_root or real.startswith(self.real_root.rstrip(os.sep) + os.sep)

    def _open_dir(self, absdir, rel, doing='write'):
        """An fd of a folder that is really inside the root, for writing.

        Paths are confined by their text in resolve(); a link inside the
        root may still lead out of it. The folder is opened first and its
        real path read back from the open fd, so a link swapped in later
        cannot redirect what is done through this fd.
        """
        try:
            fd = os.open(absdir, os.O_RDONLY | os.O_DIRECTORY | getattr(os, 'O_CLOEXEC', 0))
        except OSError as err:
            raise _os_error(err, rel, doing)
        try:
            real = os.readlink('/proc/self/fd/%d' % fd)
        except OSError:
            real = os.path.realpath(absdir)
        if not self._inside_real_root(real):
            os.close(fd)
            raise HelperError(
                'OutsideRoot',
                "Cannot %s '%s': a link leads it outside the server root (to %s); nothing was written."
                % (doing, rel, real),
                path=rel,
            )
        return fd

    def _parent_fd(self, absp, rel, doing='write'):
        """(fd of the folder holding `absp`, the last name) for writing."""
        folder, name = os.path.split(absp)
        return self._open_dir(folder, rel, doing), name

    @staticmethod
    def _name(base):
        if (
            not isinstance(base, str)
            or base in ('', '.', '..')
            or '/' in base
            or '\x00' in base
            or (os.sep != '/' and os.sep in base)
        ):
            raise HelperError('BadPath', 'The folder name %r is not a single plain name.' % (base,))
        return base

    # -- listing ------------------------------------------------------------

    def _entry(self, absdir, d, real_root):
        """One IDirEntry, mirroring NodeFileSystem.entry()."""
        name = d.name
        try:
            if d.is_symlink():
                return self._link_entry(os.path.join(absdir, name), name, real_root)
            if d.is_file(follow_symlinks=False):
                st = d.stat(follow_symlinks=False)
                return {'name': name, 'kind': 'file', 'size': st.st_size, 'mtime': _ms(st)}
            if d.is_dir(follow_symlinks=False):
                st = d.stat(follow_symlinks=False)
                return {'name': name, 'kind': 'dir', 'size': 0, 'id': _identity(st)}
            return {'name': name, 'kind': 'other', 'size': 0}
        except OSError as err:
            return {'name': name, 'kind': 'other', 'size': 0, 'error': _reason(err)}

    @staticmethod
    def _link_entry(abspath, name, real_root):
        target = os.readlink(abspath)
        try:
            st = os.stat(abspath)
            real = os.path.realpath(abspath)
        except OSError as err:
            code = err.errno
            return {
                'name': name,
                'kind': 'other',
                'size': 0,
                'link': {
                    'target': target,
                    'outside': False,
                    'dangling': code in (errno.ENOENT, errno.ENOTDIR),
                    'loop': code == errno.ELOOP,
                },
                'error': _reason(err),
            }
        inside = (
            real == real_root
            or real.startswith(real_root.rstrip(os.sep) + os.sep)
        )
        link = {'target': target, 'outside': not inside, 'dangling': False}
        if statmod.S_ISREG(st.st_mode):
            return {'name': name, 'kind': 'file', 'size': st.st_size, 'mtime': _ms(st), 'link': link}
        if statmod.S_ISDIR(st.st_mode):
            return {'name': name, 'kind': 'dir', 'size': 0, 'id': _identity(st), 'link': link}
        return {'name': name, 'kind': 'other', 'size': 0, 'link': link}

    def _base(self, path, base):
        """Absolute walked folder, and the real path `outside` is judged by."""
        absdir, rel = self.resolve(path)
        absbase = absdir if base is None else self.resolve(base, 'base')[0]
        return absdir, rel, os.path.realpath(absbase)

    def op_list(self, path='', base=None):
        """One folder level; `outside` relative to `base` (default: `path`)."""
        absdir, rel, real_root = self._base(path, base)
        try:
            with os.scandir(absdir) as it:
                return [self._entry(absdir, d, real_root) for d in it]
        except OSError as err:
            raise _os_error(err, rel, 'list')

    def op_walk(self, path='', base=None, cancel=None, progress=None):
        """The whole tree under `path`, every folder's entries in one result.

        Links into folders are followed (Azure ML uploads what they point
        at) except into a folder already on the way down (a loop). A folder
        that cannot be listed is noted in `errors`; only the root is fatal.
        """
        absroot, rel, real_root = self._base(path, base)
        try:
            st = os.stat(absroot)
        except OSError as err:
            raise _os_error(err, rel, 'list')
        if not statmod.S_ISDIR(st.st_mode):
            raise HelperError('NotADirectory', "Cannot list '%s': not a folder" % rel, path=rel)
        root_id = _identity(st)
        dirs = {}
        errors = {}
        files = 0
        last_files = 0
        last_time = time.monotonic()
        stack = [('', absroot, frozenset([root_id]))]
        while stack:
            if cancel is not None and cancel.is_set():
                raise HelperError('Cancelled', "The listing of '%s' was cancelled." % rel)
            sub, absdir, chain = stack.pop()
            try:
                with os.scandir(absdir) as it:
                    found = list(it)
            except OSError as err:
                if sub == '':
                    raise _os_error(err, rel, 'list')
                errors[sub] = _reason(err)
                continue
            entries = []
            for d in found:
                e = self._entry(absdir, d, real_root)
                entries.append(e)
                if 'error' in e:
                    continue
                if e['kind'] == 'file':
                    files += 1
                elif e['kind'] == 'dir' and e['id'] not in chain:
                    child = d.name if sub == '' else sub + '/' + d.name
                    stack.append((child, os.path.join(absdir, d.name), chain | {e['id']}))
            dirs[sub] = entries
            if progress is not None and files != last_files:
                now = time.monotonic()
                if files - last_files >= 1000 or now - last_time >= 0.2:
                    last_files, last_time = files, now
                    progress(files)
                    _pause('walk')
        return {'root': rel, 'rootId': root_id, 'files': files, 'dirs': dirs, 'errors': errors}

    # -- reading ------------------------------------------------------------

    def op_read(self, path, offset=0, length=None):
        """Bytes of a file; `sha256` too when the whole file was read."""
        absp, rel = self.resolve(path)
        if not isinstance(offset, int) or offset < 0:
            raise HelperError('BadRequest', 'offset must be a non-negative integer')
        if length is None:
            length = MAX_READ
        if not isinstance(length, int) or length < 0 or length > MAX_READ:
            raise HelperError('BadRequest', 'length must be an integer from 0 to %d' % MAX_READ)
        try:
            fd, st = _open_regular(absp)
        except NotRegular:
            raise HelperError('NotAFile', "Cannot read '%s': not a regular file" % rel, path=rel)
        except OSError as err:
            raise _os_error(err, rel, 'read')
        try:
            with os.fdopen(fd, 'rb') as f:
                f.seek(offset)
                data = f.read(length)
                # Read one more byte rather than trusting st_size: the
                # file may be growing.
                eof = len(data) < length or f.read(1) == b''
        except OSError as err:
            raise _os_error(err, rel, 'read')
        result = {'size': st.st_size, 'offset': offset, 'length': len(data), 'eof': eof, 'mtime': _ms(st)}
        if offset == 0 and eof:
            result['sha256'] = hashlib.sha256(data).hexdigest()
        return result, [data]

    def op_stat(self, path, hash=False):
        absp, rel = self.resolve(path)
        try:
            st = os.stat(absp)
            kind = 'file' if statmod.S_ISREG(st.st_mode) else 'dir' if statmod.S_ISDIR(st.st_mode) else 'other'
            result = {'kind': kind, 'size': st.st_size if kind == 'file' else 0, 'mtime': _ms(st)}
            if hash and kind == 'file':
                result['sha256'] = _sha256_file(absp)
            return result
        except NotRegular:
            raise HelperError('Changed', "'%s' changed while it was read." % rel, path=rel)
        except OSError as err:
            raise _os_error(err, rel, 'read')

    # -- writing ------------------------------------------------------------

    def op_write_atomic(self, path, text, expect):
        """Replace a file only if it still holds what the client saw.

        `expect` is the sha256 of that content, or None for "must not exist".
        Readers see the old or the new file, never a mix. The content is
        compared twice: before the temporary file is written, and again
        just before it is renamed into place, so an edit saved meanwhile
        is never overwritten.
        """
        absp, rel = self.resolve(path)
        if not isinstance(text, str):
            raise HelperError('BadRequest', 'text must be a string')
        if expect is not None and not isinstance(expect, str):
            raise HelperError('BadRequest', 'expect must be a sha256 hex string or null')
        if rel == '':
            raise HelperError('BadPath', 'Cannot write the server root itself.')
        try:
            data = text.encode('utf-8')
        except UnicodeEncodeError:
            raise HelperError('BadRequest', 'text holds a lone surrogate, which cannot be written as UTF-8.')
        with self._lock:
            dfd, name = self._parent_fd(absp, rel)
            try:
                st = self._check_unchanged(dfd, name, rel, expect)
                # Anonymous until it lands (O_TMPFILE): a kernel killed
                # before then leaves nothing in the user's folder.
                fd, tmp = _new_tmp(dfd, rel)
                try:
                    with os.fdopen(fd, 'wb', closefd=False) as f:
                        f.write(data)
                        f.flush()
                        if st is not None:
                            os.fchmod(f.fileno(), statmod.S_IMODE(st.st_mode))
                        os.fsync(f.fileno())
                    if _before_commit is not None:
                        _before_commit()
                    _pause('write')
                    self._check_unchanged(dfd, name, rel, expect)
                    if st is None:
                        # link() never replaces: a file created since the
                        # check above makes it fail instead.
                        if tmp is None:
                            _link_anonymous(fd, dfd, name)
                        else:
                            os.link(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd, follow_symlinks=False)
                            os.unlink(tmp, dir_fd=dfd)
                    else:
                        if tmp is None:
                            # A name only for the rename's instant.
                            named = _tmp_name()
                            _link_anonymous(fd, dfd, named)
                            tmp = named
                        os.replace(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
                    tmp = None
                except BaseException as err:
                    if tmp is not None:
                        try:
                            os.unlink(tmp, dir_fd=dfd)
                        except OSError:
                            pass
                    if isinstance(err, FileExistsError):
                        raise HelperError('Changed', "'%s' was created meanwhile; nothing was written." % rel, path=rel)
                    if isinstance(err, OSError):
                        raise _os_error(err, rel, 'write')
                    raise
                finally:
                    os.close(fd)
                try:
                    os.fsync(dfd)
                except OSError:
                    pass
                if st is None:
                    self.created_files[rel] = _file_identity(os.stat(name, dir_fd=dfd, follow_symlinks=False))
            finally:
                os.close(dfd)
        return {'path': rel, 'size': len(data), 'sha256': hashlib.sha256(data).hexdigest()}

    @staticmethod
    def _check_unchanged(dfd, name, rel, expect):
        """The file's lstat if it still holds `expect`; raises otherwise."""
        try:
            st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
        except FileNotFoundError:
            st = None
        except OSError as err:
            raise _os_error(err, rel, 'write')
        if st is not None and statmod.S_ISLNK(st.st_mode):
            # Replacing a link would cut it (and leave its target as it
            # was): refuse rather than surprise.
            raise HelperError(
                'IsALink',
                "Cannot write '%s': it is a link; edit it (or its target) by hand." % rel,
                path=rel,
            )
        if st is not None and not statmod.S_ISREG(st.st_mode):
            raise HelperError(
                'NotAFile',
                "Cannot write '%s': it is not a regular file; edit it by hand." % rel,
                path=rel,
            )
        if expect is None and st is not None:
            raise HelperError('Changed', "'%s' was created meanwhile; nothing was written." % rel, path=rel)
        if expect is not None:
            if st is None:
                raise HelperError('Changed', "'%s' was removed meanwhile; nothing was written." % rel, path=rel)
            try:
                current = _sha256_file(name, dir_fd=dfd, follow=False)
            except NotRegular:
                raise HelperError('NotAFile', "Cannot write '%s': not a regular file." % rel, path=rel)
            except OSError as err:
                raise _os_error(err, rel, 'read')
            if current != expect.lower():
                raise HelperError(
                    'Changed', "'%s' changed on disk meanwhile; nothing was written." % rel, path=rel
                )
        return st

    def op_mkdir_unique(self, parent, base):
        """Create a new folder `base`, else `base-2`, `base-3`, ...; never reuse one."""
        absparent, relparent = self.resolve(parent, 'parent')
        base = self._name(base)
        pfd = self._open_dir(absparent, relparent or '.', 'create a folder in')
        try:
            for n in range(1, 10000):
                name = base if n == 1 else '%s-%d' % (base, n)
                try:
                    os.mkdir(name, dir_fd=pfd)
                except FileExistsError:
                    continue
                except OSError as err:
                    raise _os_error(err, relparent or '.', 'create a folder in')
                rel = name if relparent == '' else relparent + '/' + name
                self.created_dirs[rel] = _identity(os.stat(name, dir_fd=pfd, follow_symlinks=False))
                self.clean_dirs.add(rel)
                return rel
        finally:
            os.close(pfd)
        raise HelperError('Exists', "No free folder name like '%s' in '%s'." % (base, relparent or '.'))

    def _inside_created(self, rel):
        return any(rel.startswith(d + '/') for d in self.created_dirs)

    def _top_of(self, rel):
        """The folder made by mkdir_unique that holds `rel`, or None."""
        tops = [d for d in self.clean_dirs if rel.startswith(d + '/')]
        return max(tops, key=len) if tops else None

    def op_copy_files(self, pairs):
        """Copy files into a folder made by mkdir_unique, verified by sha256.

        Each file is written under a temporary name and renamed when it is
        complete and verified, and every step is first noted in a journal
        (MARKER) in that folder: if the kernel dies, no half file carries a
        final name, and any later helper knows exactly what was made. On any
        other failure, what this call created is removed again.
        """
        if not isinstance(pairs, list):
            raise HelperError('BadRequest', 'pairs must be a list of {src, dst}')
        jobs = []
        for p in pairs:
            if isinstance(p, dict):
                src, dst = p.get('src'), p.get('dst')
            elif isinstance(p, (list, tuple)) and len(p) == 2:
                src, dst = p
            else:
                raise HelperError('BadRequest', 'each pair must be {src, dst}')
            abssrc, relsrc = self.resolve(src, 'source')
            absdst, reldst = self.resolve(dst, 'destination')
            top = self._top_of(reldst)
            if top is None:
                raise HelperError(
                    'BadRequest',
                    "'%s' is not inside a folder created by mkdir_unique; nothing was copied." % reldst,
                    path=reldst,
                )
            jobs.append((abssrc, relsrc, top, reldst))
        journals = {}
        made_files = []  # (top, rel inside top, identity)
        made_dirs = []
        done = []
        current = None
        try:
            for abssrc, relsrc, top, reldst in jobs:
                current = (relsrc, reldst)
                if top not in journals:
                    journals[top] = _Journal.create(self, top)
                done.append(self._copy_one(abssrc, relsrc, journals[top], reldst, made_files, made_dirs))
                _pause('copy')
        except BaseException as err:
            if isinstance(err, KeyboardInterrupt):
                raise
            for j in journals.values():
                j.roll_back(made_files, made_dirs)
            for rel in made_dirs:
                self.created_dirs.pop(rel, None)
            if isinstance(err, HelperError):
                if err.type == 'OutsideRoot':
                    raise
                why = err.message
            elif isinstance(err, NotRegular):
                why = 'not a regular file'
            elif isinstance(err, OSError):
                why = err.strerror or str(err)
            else:
                why = repr(err)
            relsrc, reldst = current
            raise HelperError(
                'CopyFailed',
                "Could not copy '%s' to '%s': %s. Nothing of this copy was kept." % (relsrc, reldst, why),
                path=relsrc,
            )
        for j in journals.values():
            j.finish()
        for top, inner, ident in made_files:
            self.created_files[top + '/' + inner] = ident
        return done

    def _copy_one(self, abssrc, relsrc, journal, reldst, made_files, made_dirs):
        inner = reldst[len(journal.top) + 1:]
        parts = inner.split('/')
        dfd = journal.subfolder(parts[:-1], made_dirs)
        name = parts[-1]
        try:
            fin_fd, st = _open_regular(abssrc)
            with os.fdopen(fin_fd, 'rb') as fin:
                tmp = _tmp_name('copy')
                journal.note({'tmp': '/'.join(parts[:-1] + [tmp])})
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=dfd)
                try:
                    with os.fdopen(fd, 'wb') as fout:
                        h = hashlib.sha256()
                        size = _copy_data(fin, fout, h)
                        fout.flush()
                        os.fchmod(fout.fileno(), statmod.S_IMODE(st.st_mode))
                        os.utime(fout.fileno(), ns=(st.st_atime_ns, st.st_mtime_ns))
                        os.fsync(fout.fileno())
                    digest = h.hexdigest()
                    if _sha256_file(tmp, dir_fd=dfd, follow=False) != digest:
                        raise HelperError('VerifyFailed', 'the copy differs from the source')
                    # link() never replaces a file that appeared meanwhile.
                    os.link(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd, follow_symlinks=False)
                    os.unlink(tmp, dir_fd=dfd)
                    ident = _file_identity(os.stat(name, dir_fd=dfd, follow_symlinks=False))
                    made_files.append((journal.top, inner, ident))
                    journal.note({'file': inner, 'id': ident})
                finally:
                    try:
                        os.unlink(tmp, dir_fd=dfd)
                    except OSError:
                        pass
        finally:
            os.close(dfd)
        return {'src': relsrc, 'dst': reldst, 'size': size, 'sha256': digest}

    def op_remove_created(self, paths):
        """Roll back: remove the given files, then the folders that are empty.

        Only what a helper created is touched: what this helper made, or
        what the journal of an interrupted copy records (any helper's), and
        only while it is still the same file (device and inode). Others are
        kept and reported, as are folders that are not empty; `left` lists
        what is still inside the folders of an interrupted copy.
        """
        if not isinstance(paths, list):
            raise HelperError('BadRequest', 'paths must be a list')
        journals = {}
        items = []
        missing = []
        for p in paths:
            absp, rel = self.resolve(p)
            j = _Journal.find(self, rel, journals)
            items.append((absp, rel, j))
        removed, kept = [], []
        files, dirs = [], []
        for absp, rel, j in items:
            try:
                st = os.lstat(absp)
            except FileNotFoundError:
                missing.append(rel)
                continue
            except OSError as err:
                kept.append({'path': rel, 'reason': _reason(err)})
                continue
            (dirs if statmod.S_ISDIR(st.st_mode) else files).append((absp, rel, j, st))
        for absp, rel, j, st in files:
            known = self.created_files.get(rel)
            if known is None and j is not None:
                known = j.files.get(rel[len(j.top) + 1:])
            if known is None:
                kept.append({'path': rel, 'reason': 'not created by the helper'})
                continue
            if known != _file_identity(st):
                kept.append({'path': rel, 'reason': 'replaced since the helper made it'})
                continue
            try:
                self._unlink_confined(absp, rel, st)
                self.created_files.pop(rel, None)
                removed.append(rel)
            except HelperError as err:
                kept.append({'path': rel, 'reason': err.message})
            except OSError as err:
                kept.append({'path': rel, 'reason': _reason(err)})
        for j in journals.values():
            if j is not None:
                removed.extend(j.remove_temporaries())
        for absp, rel, j, st in sorted(dirs, key=lambda x: -x[1].count('/')):
            known = self.created_dirs.get(rel)
            if known is None and j is not None:
                known = j.dirs.get(rel[len(j.top) + 1:] if rel != j.top else '')
            if known is None:
                kept.append({'path': rel, 'reason': 'not created by the helper'})
                continue
            if known != _identity(st):
                kept.append({'path': rel, 'reason': 'replaced since the helper made it'})
                continue
            if j is not None and rel == j.top:
                j.drop_marker_if_alone()
            try:
                if not self._inside_real_root(os.path.realpath(os.path.dirname(absp))):
                    raise HelperError('OutsideRoot', 'outside the server root')
                os.rmdir(absp)
                self.created_dirs.pop(rel, None)
                self.clean_dirs.discard(rel)
                removed.append(rel)
            except HelperError as err:
                kept.append({'path': rel, 'reason': err.message})
            except OSError as err:
                reason = 'not empty' if err.errno in (errno.ENOTEMPTY, errno.EEXIST) else _reason(err)
                kept.append({'path': rel, 'reason': reason})
        left = []
        for j in journals.values():
            if j is not None:
                left.extend(j.left())
        return {'removed': removed, 'kept': kept, 'missing': missing, 'left': sorted(set(left))}

    def _unlink_confined(self, absp, rel, st):
        dfd, name = self._parent_fd(absp, rel, 'remove')
        try:
            now = os.stat(name, dir_fd=dfd, follow_symlinks=False)
            if _file_identity(now) != _file_identity(st):
                raise HelperError('Changed', 'replaced since the helper made it')
            os.unlink(name, dir_fd=dfd)
        finally:
            os.close(dfd)

    def op_find_incomplete(self, path=''):
        """Interrupted copies in `path` or the folders right below it."""
        absdir, rel = self.resolve(path)
        found = []
        candidates = [(absdir, rel)]
        try:
            with os.scandir(absdir) as it:
                for d in it:
                    if d.is_dir(follow_symlinks=False):
                        candidates.append((d.path, d.name if rel == '' else rel + '/' + d.name))
        except OSError as err:
            raise _os_error(err, rel, 'list')
        for absp, relp in candidates:
            if os.path.isfile(os.path.join(absp, MARKER)) and not os.path.islink(os.path.join(absp, MARKER)):
                files = size = 0
                for top, _, names in os.walk(absp):
                    for n in names:
                        try:
                            size += os.lstat(os.path.join(top, n)).st_size
                            files += 1
                        except OSError:
                            pass
                found.append({'folder': relp, 'files': files, 'bytes': size})
        return found

    def op_discard_incomplete(self, folder):
        """Remove what an interrupted copy in `folder` made, by its journal."""
        absp, rel = self.resolve(folder, 'folder')
        j = _Journal.load(self, rel)
        if j is None:
            raise HelperError('NotFound', "'%s' holds no interrupted copy of Snapshot Guard." % rel, path=rel)
        paths = [rel + '/' + f for f in j.files]
        paths += [rel + '/' + d for d in j.dirs if d]
        paths.append(rel)
        return self.op_remove_created(paths)

    # -- saving a zip (upload_*) --------------------------------------------

    def op_upload_begin(self, path, outside):
        """Start writing a file at `path`, refused inside folder `outside`.

        The bytes go to an anonymous file (O_TMPFILE) in the destination's
        folder: if the kernel dies before the commit, nothing is left
        behind. Where O_TMPFILE is missing, a named partial file is used
        and reported, so the client can remove it through the next kernel.
        """
        absp, rel = self.resolve(path)
        absout, relout = self.resolve(outside, 'folder')
        if rel == '':
            raise HelperError('BadPath', 'The zip needs a file name.')
        folder, name = os.path.split(absp)
        inside = "'%s' is inside the snapshot folder '%s': the zip would become part of the next snapshot. Choose a path outside it." % (
            rel,
            relout or '.',
        )
        if relout == '' or rel == relout or rel.startswith(relout + '/'):
            raise HelperError('InsideSnapshot', inside, path=rel)
        if not os.path.isdir(folder):
            raise HelperError('NotFound', "The folder of '%s' does not exist." % rel, path=rel)
        # Links may lead back into the snapshot folder.
        real_out = os.path.realpath(absout)
        real_target = os.path.join(os.path.realpath(folder), name)
        if real_target == real_out or real_target.startswith(real_out.rstrip(os.sep) + os.sep):
            raise HelperError('InsideSnapshot', inside, path=rel)
        # The folder stays open until the commit: the zip lands in the folder
        # checked here even if a link is swapped in on its path meanwhile.
        dfd = self._open_dir(folder, rel)
        try:
            try:
                st = os.stat(name, dir_fd=dfd)
            except FileNotFoundError:
                st = None
            except OSError as err:
                raise _os_error(err, rel, 'write')
            if st is not None and not statmod.S_ISREG(st.st_mode):
                raise HelperError('NotAFile', "'%s' exists and is not a regular file." % rel, path=rel)
            tmp = None
            fd = None
            if hasattr(os, 'O_TMPFILE') and os.path.isdir('/proc/self/fd'):
                try:
                    fd = os.open('.', os.O_TMPFILE | os.O_WRONLY, 0o666, dir_fd=dfd)
                except OSError:
                    fd = None
            if fd is None:
                tmp = '.sg-upload-%d-%s.part' % (os.getpid(), os.urandom(4).hex())
                try:
                    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666, dir_fd=dfd)
                except OSError as err:
                    raise _os_error(err, rel, 'write')
        except BaseException:
            os.close(dfd)
            raise
        token = os.urandom(12).hex()
        self.uploads[token] = {'fd': fd, 'dfd': dfd, 'name': name, 'abs': absp, 'rel': rel, 'dir': folder, 'tmp': tmp, 'size': 0}
        partial = None
        if tmp is not None:
            partial = os.path.relpath(os.path.join(folder, tmp), self.root).replace(os.sep, '/')
        return {'token': token, 'path': rel, 'exists': st is not None, 'partial': partial}

    def _upload(self, token):
        u = self.uploads.get(token) if isinstance(token, str) else None
        if u is None:
            raise HelperError('NotFound', 'This zip is no longer being written (the helper kernel may have restarted).')
        return u

    def op_upload_chunk(self, token, buffers=None):
        u = self._upload(token)
        if not buffers:
            raise HelperError('BadRequest', 'upload_chunk needs the bytes as a buffer')
        try:
            for buf in buffers:
                view = memoryview(buf).cast('B')
                while len(view):
                    n = os.write(u['fd'], view)
                    view = view[n:]
                    u['size'] += n
        except OSError as err:
            self._drop_upload(token)
            raise _os_error(err, u['rel'], 'write')
        _pause('upload')
        return {'size': u['size']}

    def op_upload_commit(self, token, overwrite=False):
        """Make the zip appear at its path, complete, in one step."""
        u = self._upload(token)
        rel = u['rel']
        fd = u['fd']
        dfd = u['dfd']
        name = u['name']
        try:
            os.fsync(fd)
            if u['tmp'] is None:
                if overwrite:
                    named = _tmp_name('upload')
                    _link_anonymous(fd, dfd, named)
                    try:
                        os.replace(named, name, src_dir_fd=dfd, dst_dir_fd=dfd)
                    except OSError:
                        os.unlink(named, dir_fd=dfd)
                        raise
                else:
                    _link_anonymous(fd, dfd, name)
            elif overwrite:
                os.replace(u['tmp'], name, src_dir_fd=dfd, dst_dir_fd=dfd)
                u['tmp'] = None
            else:
                os.link(u['tmp'], name, src_dir_fd=dfd, dst_dir_fd=dfd, follow_symlinks=False)
        except FileExistsError:
            self._drop_upload(token)
            raise HelperError('Exists', "'%s' appeared meanwhile; nothing was replaced." % rel, path=rel)
        except OSError as err:
            self._drop_upload(token)
            raise _os_error(err, rel, 'write')
        size = u['size']
        try:
            os.fsync(dfd)
        except OSError:
            pass
        self._drop_upload(token)
        return {'path': rel, 'size': size}

    def op_upload_abort(self, token):
        if not isinstance(token, str) or token not in self.uploads:
            return {'discarded': False}
        self._drop_upload(token)
        return {'discarded': True}

    def _drop_upload(self, token):
        u = self.uploads.pop(token, None)
        if u is None:
            return
        try:
            os.close(u['fd'])
        except OSError:
            pass
        if u['tmp'] is not None:
            try:
                os.unlink(u['tmp'], dir_fd=u['dfd'])
            except OSError:
                pass
        os.close(u['dfd'])

    _PARTIAL = re.compile(r'^\.sg-upload-\d+-[0-9a-f]{8}\.part$')

    def op_upload_discard(self, partial):
        """Remove a named partial file left by a kernel that died."""
        absp, rel = self.resolve(partial)
        if not self._PARTIAL.match(os.path.basename(absp)):
            raise HelperError('BadRequest', "'%s' is not a partial zip of the helper." % rel, path=rel)
        dfd, name = self._parent_fd(absp, rel, 'remove')
        try:
            try:
                st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
            except FileNotFoundError:
                return {'removed': False}
            if not statmod.S_ISREG(st.st_mode):
                raise HelperError('NotAFile', "'%s' is not a regular file." % rel, path=rel)
            try:
                os.unlink(name, dir_fd=dfd)
            except OSError as err:
                raise _os_error(err, rel, 'remove')
        finally:
            os.close(dfd)
        return {'removed': True}

    # -- submitting to Azure ML ----------------------------------------------

    def op_submit_azureml(self, sdk, folder, command, compute='', environment='', experiment='', display_name='', snapshot_max_bytes=None, inputs=None):
        """Submit a command job whose code snapshot is `folder`.

        `sdk` 'v2' uses azure-ai-ml (MLClient, command, jobs.create_or_update)
        with DefaultAzureCredential; 'v1' uses azureml-core (Workspace,
        ScriptRunConfig, Experiment.submit). The workspace comes from
        config.json found from the folder upwards. SDK errors come back as
        SdkMissing, NoConfig, AuthFailed, Unreachable, UnknownCompute,
        SnapshotTooBig or SdkError, with a message for people and the SDK's
        class and text as `detail`. `snapshot_max_bytes` (v1 only) raises
        azureml-core's size limit for this submission alone. `inputs` are
        data assets the job mounts (see _job_inputs).
        """
        absdir, rel = self.resolve(folder, 'folder')
        for key, value in (('command', command), ('compute', compute), ('environment', environment), ('experiment', experiment), ('display_name', display_name)):
            if not isinstance(value, str):
                raise HelperError('BadRequest', '%s must be a string' % key)
        if sdk not in ('v1', 'v2'):
            raise HelperError('BadRequest', "sdk must be 'v1' or 'v2'")
        if not command.strip():
            raise HelperError('BadRequest', 'The job needs a command.')
        if snapshot_max_bytes is not None and (sdk != 'v1' or not _positive_int(snapshot_max_bytes)):
            raise HelperError('BadRequest', 'snapshot_max_bytes must be a positive integer, for sdk v1 only')
        if not os.path.isdir(absdir):
            raise HelperError('NotFound', "The folder '%s' does not exist." % (rel or '.'), path=rel)
        inputs = _checked_inputs(inputs)
        _pause('submit')
        if sdk == 'v2':
            return _submit_v2(absdir, rel, command, compute, environment, experiment, display_name, inputs)
        if snapshot_max_bytes is not None:
            with _raised_snapshot_limit(snapshot_max_bytes):
                return _submit_v1(absdir, rel, command, compute, environment, experiment, display_name, inputs)
        return _submit_v1(absdir, rel, command, compute, environment, experiment, display_name, inputs)

    # Data to a datastore (issue 8): the work is in that section below.

    def op_data_versions(self, sdk, folder, name):
        return _data_versions(self, sdk, folder, name)

    def op_upload_data(self, sdk, folder, paths, name, version, keep=None, description='', cancel=None, progress=None):
        return _upload_data(self, sdk, folder, paths, name, version, keep, description, cancel, progress)

    def op_installed_sdks(self):
        # Profile auto's last clue: which SDK this kernel's Python can import.
        # find_spec imports only the namespace parents (azureml, azure.ai),
        # never the SDKs themselves.
        found = {}
        for sdk, module in (('v1', 'azureml.core'), ('v2', 'azure.ai.ml')):
            try:
                found[sdk] = importlib.util.find_spec(module) is not None
            except (ImportError, ValueError):
                found[sdk] = False
        return found

    def op_ping(self):
        versions = {'python': sys.version.split()[0]}
        for mod in ('ipykernel', 'jupyter_client'):
            m = sys.modules.get(mod)
            if m is not None:
                versions[mod] = getattr(m, '__version__', '')
        return {'protocol': PROTOCOL, 'versions': versions, 'pid': os.getpid()}

    # -- dispatch -----------------------------------------------------------

    OPS = (
        'find_incomplete',
        'discard_incomplete',
        'walk',
        'list',
        'read',
        'stat',
        'write_atomic',
        'mkdir_unique',
        'copy_files',
        'remove_created',
        'ping',
        'installed_sdks',
        'upload_begin',
        'upload_chunk',
        'upload_commit',
        'upload_abort',
        'upload_discard',
        'submit_azureml',
        'data_versions',
        'upload_data',
    )
    # Ops that may take long run in a worker thread, so the kernel keeps
    # answering (other requests, `cancel`).
    THREADED = ('walk', 'submit_azureml', 'data_versions', 'upload_data')
    # Threaded ops that take `cancel` and `progress`.
    CANCELLABLE = ('walk', 'upload_data')

    def dispatch(self, op, args, cancel=None, progress=None, buffers=None):
        """Run one request; (result, buffers). Raises HelperError."""
        if op not in self.OPS:
            raise HelperError('BadRequest', 'Unknown operation %r.' % (op,))
        if args is None:
            args = {}
        if not isinstance(args, dict):
            raise HelperError('BadRequest', 'args must be an object')
        fn = getattr(self, 'op_' + op)
        try:
            if op == 'walk':
                listing = fn(cancel=cancel, progress=progress, **args)
                # One compressed buffer: large trees list fast and small.
                blob = zlib.compress(json.dumps(listing, separators=(',', ':')).encode('utf-8'), 6)
                return {'encoding': 'zlib-json', 'files': listing['files'], 'bytes': len(blob)}, [blob]
            if op == 'upload_chunk':
                result = fn(buffers=buffers, **args)
            elif op in self.CANCELLABLE:
                result = fn(cancel=cancel, progress=progress, **args)
            else:
                result = fn(**args)
        except TypeError as err:
            if 'argument' in str(err):
                raise HelperError('BadRequest', 'Bad arguments for %s: %s' % (op, err))
            raise
        if isinstance(result, tuple):
            return result
        return result, []


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


# -- Azure ML submission ------------------------------------------------------


def _dist_version(dist, module):
    try:
        from importlib.metadata import version

        return version(dist)
    except Exception:  # noqa: BLE001 - not installed as a distribution
        return getattr(module, '__version__', '') or '?'


def _sdk_missing(package, err, also=()):
    """An ImportError as a message that names the package to install."""
    missing = getattr(err, 'name', None) or ''
    wanted = ' '.join((package,) + tuple(also))
    if missing and not (missing == 'azure' or missing.startswith(('azure.', 'azureml'))):
        # The package is there but one of its own dependencies is not.
        return HelperError(
            'SdkMissing',
            "%s is installed in the helper kernel's Python (%s) but cannot be imported: %s. Reinstall it: %s -m pip install --upgrade %s"
            % (package, sys.executable, err, sys.executable, wanted),
            package=package,
        )
    return HelperError(
        'SdkMissing',
        "The Python package %s is not installed in the helper kernel's Python (%s). Install it with: %s -m pip install %s (or choose a helper kernel that has it in the settings, Helper kernelspec)."
        % (package, sys.executable, sys.executable, wanted),
        package=package,
    )


def _first_line(text, limit=600):
    text = ' '.join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + '…'


# The SDKs' errors are told apart by class: isinstance against the classes
# imported from the SDKs' own modules, so subclasses count too. Their text is
# only a fallback, for errors of other classes (an SDK version that wraps them
# differently). Where the classes come from, and what raises them:
# - azure-core: sdk/core/azure-core/azure/core/exceptions.py in
#   Azure/azure-sdk-for-python at 20c2fea3038b8917164689393aad2b9b6959f870.
#   ClientAuthenticationError is a failed sign-in (azure-identity's
#   CredentialUnavailableError is one: sdk/identity/azure-identity/azure/
#   identity/_exceptions.py at c9245ddb4ac9438fe8d40f1155afb838d0d1ebb4);
#   ServiceRequestError: no request was sent (network, DNS, proxy);
#   HttpResponseError and its ResourceNotFoundError: the service refused.
# - azure-ai-ml: sdk/ml/azure-ai-ml/azure/ai/ml/exceptions.py at
#   0efcd1659b7354d30fa15541371e652e107e75ec (MlException, an AzureError);
#   MLClient.from_config raises its ValidationException when no config.json
#   is found (_ml_client.py at 0002c6c5a1866da77c2eed83ca287a59039673db).
# - azureml-core 1.50.0: azureml/exceptions/_azureml_exception.py, re-exported
#   by azureml.exceptions (SepidehHosseinian/Python-Essentials-for-MLOps,
#   venv/lib/python3.7/site-packages, commit
#   05c83b8150e99d5aa079da3668172ac23d13ad87). AuthenticationException is a
#   UserErrorException; Workspace.from_config raises UserErrorException
#   without config.json; a run the service refuses (an unknown compute
#   among others) is an ExperimentExecutionException
#   (azureml/_execution/_commands.py _raise_request_error, commit
#   745407895773ed0ea970e52fcd1e3c975033d157).
_SDK_ERRORS = (
    ('snapshot', 'azureml.exceptions', 'SnapshotException'),
    ('auth', 'azure.core.exceptions', 'ClientAuthenticationError'),
    ('auth', 'azureml.exceptions', 'AuthenticationException'),
    ('network', 'azure.core.exceptions', 'ServiceRequestError'),
    ('workspace', 'azureml.exceptions', 'WorkspaceException'),
    ('workspace', 'azureml.exceptions', 'ProjectSystemException'),
    ('refused', 'azure.core.exceptions', 'HttpResponseError'),
    ('refused', 'azureml.exceptions', 'ComputeTargetException'),
    ('refused', 'azureml.exceptions', 'ExperimentExecutionException'),
    ('user', 'azure.ai.ml.exceptions', 'MlException'),
    ('user', 'azureml.exceptions', 'UserErrorException'),
)


def _sdk_error_family(err):
    """The first family in _SDK_ERRORS whose class `err` is an instance of."""
    for family, module, name in _SDK_ERRORS:
        # An instance of a class means its module is loaded: look it up
        # there rather than import an SDK the submission did not use.
        cls = getattr(sys.modules.get(module), name, None)
        if isinstance(cls, type) and isinstance(err, cls):
            return family
    return None


def _sdk_error_by_text(low):
    """The family of an error of none of those classes, from its text."""
    if 'snapshot size exceeds' in low or 'exceeds the file limit' in low:
        return 'snapshot'
    if 'defaultazurecredential failed' in low:
        return 'auth'
    if 'config.json' in low and ('could not find' in low or 'not found' in low or 'no such file' in low):
        return 'user'
    return None


def _sdk_error(err, sdk, folder_rel, compute, stage, list_computes=None):
    """Any exception of the SDK as a HelperError with a readable message.

    `stage` is what the helper was doing: 'workspace' (from_config) or
    'submit'. The SDK's class and text go along as `detail`."""
    cls = type(err)
    text = str(err)
    detail = '%s.%s: %s' % (cls.__module__, cls.__qualname__, _first_line(text, 1000))
    family = _sdk_error_family(err) or _sdk_error_by_text(text.lower())
    where = folder_rel or '.'
    if family == 'snapshot':
        return HelperError('SnapshotTooBig', 'Azure ML refused the snapshot: %s' % _first_line(text), detail=detail)
    if family == 'auth':
        how = (
            'Sign in on the server (for example az login in a terminal) or give it a managed identity or service principal (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET), then submit again.'
            if sdk == 'v2'
            else 'Sign in on the server (for example az login in a terminal), then submit again.'
        )
        return HelperError('AuthFailed', 'Azure sign-in failed: %s %s' % (_first_line(text, 400), how), detail=detail)
    if family == 'network':
        return HelperError(
            'Unreachable',
            'Azure ML could not be reached from the server: %s Check its network connection and proxy settings, then submit again.' % _first_line(text, 400),
            detail=detail,
        )
    if stage == 'workspace' and family in ('user', 'workspace'):
        return HelperError(
            'NoConfig',
            "No usable Azure ML workspace configuration: config.json was found neither in '%s' nor in a folder above it, or it does not name a workspace you can use. Download config.json from the workspace's page in the Azure portal and save it in the notebook's folder or a parent folder." % where,
            detail=detail,
        )
    if stage == 'submit' and compute and family in ('refused', 'user') and list_computes is not None:
        # The service names no resource by class: ask the workspace whether
        # the compute exists.
        try:
            known = sorted(list_computes())
        except Exception:  # noqa: BLE001 - the original error is the one to report
            known = None
        if known is not None and compute not in known:
            return HelperError(
                'UnknownCompute',
                "The workspace has no compute named '%s'. Computes in this workspace: %s. Check the name under Compute in Azure ML studio."
                % (compute, ', '.join(known) if known else 'none'),
                detail=detail,
            )
    return HelperError('SdkError', '%s: %s' % (cls.__name__, _first_line(text, 1000)), detail=detail)


def _submit_v2(absdir, rel, command, compute, environment, experiment, display_name, inputs=()):
    try:
        import azure.ai.ml as aml
        from azure.ai.ml import MLClient, command as command_job
    except ImportError as err:
        raise _sdk_missing('azure-ai-ml', err, ('azure-identity',))
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError as err:
        raise _sdk_missing('azure-identity', err)
    client = None
    stage = 'workspace'

    def computes():
        return [c.name for c in client.compute.list()]

    try:
        client = MLClient.from_config(credential=DefaultAzureCredential(), path=absdir)
        stage = 'submit'
        kwargs = {'code': absdir, 'command': command}
        if compute:
            kwargs['compute'] = compute
        if environment:
            kwargs['environment'] = environment
        if experiment:
            kwargs['experiment_name'] = experiment
        if display_name:
            kwargs['display_name'] = display_name
        if inputs:
            kwargs['inputs'] = _v2_inputs(inputs)
        job = command_job(**kwargs)
        created = client.jobs.create_or_update(job)
    except HelperError:
        raise
    except Exception as err:  # noqa: BLE001 - every SDK error gets a message
        raise _sdk_error(err, 'v2', rel, compute, stage, computes if client is not None else None)
    return {
        'name': getattr(created, 'name', None) or '',
        'studioUrl': getattr(created, 'studio_url', None),
        'status': getattr(created, 'status', None),
        'experiment': getattr(created, 'experiment_name', None) or experiment,
        'sdk': 'azure-ai-ml %s' % _dist_version('azure-ai-ml', aml),
    }


def _submit_v1(absdir, rel, command, compute, environment, experiment, display_name, inputs=()):
    try:
        import azureml.core as core
        from azureml.core import Environment, Experiment, ScriptRunConfig, Workspace
    except ImportError as err:
        raise _sdk_missing('azureml-core', err)
    ws = None
    stage = 'workspace'

    def computes():
        return list(ws.compute_targets.keys())

    try:
        ws = Workspace.from_config(path=absdir)
        stage = 'submit'
        kwargs = {'source_directory': absdir, 'command': _v1_command(ws, command, inputs) if inputs else command}
        if compute:
            kwargs['compute_target'] = compute
        if environment:
            name, version = environment, None
            if '@' in environment:
                name = environment.split('@', 1)[0]
            elif ':' in environment:
                name, version = environment.split(':', 1)
            kwargs['environment'] = Environment.get(ws, name=name, version=version)
        src = ScriptRunConfig(**kwargs)
        run = Experiment(workspace=ws, name=experiment).submit(src)
        if display_name:
            try:
                run.display_name = display_name
            except Exception:  # noqa: BLE001 - cosmetic
                pass
        url = run.get_portal_url()
    except HelperError:
        raise
    except Exception as err:  # noqa: BLE001 - every SDK error gets a message
        raise _sdk_error(err, 'v1', rel, compute, stage, computes if ws is not None else None)
    return {
        'name': getattr(run, 'id', None) or '',
        'studioUrl': url,
        'status': None,
        'experiment': experiment,
        'sdk': 'azureml-core %s' % _dist_version('azureml-core', core),
    }


def _copy_data(fin, fout, h):
    """Copy a file's bytes, hashing them; the size copied."""
    size = 0
    while True:
        block = fin.read(CHUNK)
        if not block:
            return size
        h.update(block)
        size += len(block)
        fout.write(block)


class _Journal:
    """The journal of a copy into a folder made by mkdir_unique (MARKER).

    Lines are appended and flushed to disk before the step they describe,
    so after a crash it names every temporary file, folder and file that
    may exist. Paths are relative to the journal's folder.
    """

    def __init__(self, helper, top, files=None, dirs=None, tmps=None):
        self.helper = helper
        self.top = top
        self.files = files or {}
        self.dirs = dirs or {}
        self.tmps = tmps or set()
        self.fd = None
        self.created = False

    @classmethod
    def create(cls, helper, top):
        j = cls.load(helper, top) or cls(helper, top)
        absdir = os.path.join(helper.root, *top.split('/'))
        dfd = helper._open_dir(absdir, top)
        try:
            try:
                j.fd = os.open(MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=dfd)
                j.created = True
                os.write(j.fd, MARKER_HEAD.encode('utf-8'))
                j.dirs[''] = _identity(os.fstat(dfd))
                j.note({'dir': '', 'id': j.dirs['']})
                os.fsync(dfd)
            except FileExistsError:
                j.fd = os.open(MARKER, os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW, dir_fd=dfd)
        finally:
            os.close(dfd)
        return j

    @classmethod
    def load(cls, helper, top):
        absdir = os.path.join(helper.root, *top.split('/')) if top else helper.root
        try:
            fd, _ = _open_regular(os.path.join(absdir, MARKER), follow=False)
        except OSError:
            return None
        with os.fdopen(fd, 'rb') as f:
            text = f.read(16 * 1024 * 1024).decode('utf-8', 'replace')
        if not text.startswith(MARKER_HEAD.splitlines()[0]):
            return None
        j = cls(helper, top)
        for line in text.splitlines():
            try:
                e = json.loads(line)
            except ValueError:
                continue  # the header, or a line cut short by a crash
            if not isinstance(e, dict):
                continue
            if isinstance(e.get('file'), str) and isinstance(e.get('id'), str):
                j.files[e['file']] = e['id']
            elif isinstance(e.get('dir'), str) and isinstance(e.get('id'), str):
                j.dirs[e['dir']] = e['id']
            elif isinstance(e.get('tmp'), str):
                j.tmps.add(e['tmp'])
        return j

    @classmethod
    def find(cls, helper, rel, cache):
        """The journal of the folder made by a helper that holds `rel`."""
        parts = rel.split('/')
        for i in range(len(parts), 0, -1):
            top = '/'.join(parts[:i])
            if top not in cache:
                cache[top] = cls.load(helper, top)
            if cache[top] is not None:
                return cache[top]
        return None

    def _abs(self, inner):
        return os.path.join(self.helper.root, *(self.top.split('/') + [p for p in inner.split('/') if p]))

    def note(self, entry):
        os.write(self.fd, (json.dumps(entry) + '\n').encode('utf-8'))
        os.fsync(self.fd)

    def subfolder(self, parts, made_dirs):
        """An fd of `top/parts...`, creating (and noting) missing folders.

        Each level is opened with O_NOFOLLOW: a link swapped in for a
        folder cannot lead the copy elsewhere.
        """
        absdir = os.path.join(self.helper.root, *self.top.split('/'))
        fd = self.helper._open_dir(absdir, self.top)
        inner = []
        try:
            for part in parts:
                inner.append(part)
                try:
                    os.mkdir(part, dir_fd=fd)
                    ident = _identity(os.stat(part, dir_fd=fd, follow_symlinks=False))
                    self.note({'dir': '/'.join(inner), 'id': ident})
                    self.dirs['/'.join(inner)] = ident
                    rel = self.top + '/' + '/'.join(inner)
                    self.helper.created_dirs[rel] = ident
                    made_dirs.append(rel)
                except FileExistsError:
                    pass
                nfd = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
                os.close(fd)
                fd = nfd
        except BaseException:
            os.close(fd)
            raise
        return fd

    def remove_temporaries(self):
        removed = []
        for inner in sorted(self.tmps):
            absp = self._abs(inner)
            if not re.match(r'^\.sg-copy-[0-9a-f]{12}\.part$', os.path.basename(absp)):
                continue
            try:
                st = os.lstat(absp)
                if statmod.S_ISREG(st.st_mode):
                    self.helper._unlink_confined(absp, inner, st)
                    removed.append(self.top + '/' + inner)
            except (OSError, HelperError):
                pass
        return removed

    def drop_marker_if_alone(self):
        """Remove the journal once nothing it records is left."""
        absdir = self._abs('')
        for top, dirs, names in os.walk(absdir):
            for n in names:
                if not (top == absdir and n == MARKER):
                    rel = os.path.relpath(os.path.join(top, n), absdir).replace(os.sep, '/')
                    if rel in self.files or rel in self.tmps:
                        return
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        try:
            os.unlink(os.path.join(absdir, MARKER))
        except OSError:
            pass

    def left(self):
        absdir = self._abs('')
        out = []
        for top, dirs, names in os.walk(absdir):
            for n in names:
                if not (top == absdir and n == MARKER):
                    rel = os.path.relpath(os.path.join(top, n), self.helper.root).replace(os.sep, '/')
                    out.append(rel)
        return out

    def roll_back(self, made_files, made_dirs):
        for top, inner, ident in reversed(made_files):
            if top == self.top:
                absp = self._abs(inner)
                try:
                    self.helper._unlink_confined(absp, inner, os.lstat(absp))
                except (OSError, HelperError):
                    pass
        for rel in reversed(made_dirs):
            if rel.startswith(self.top + '/'):
                try:
                    os.rmdir(os.path.join(self.helper.root, *rel.split('/')))
                except OSError:
                    pass
        self.finish()

    def finish(self):
        """The copy is complete (or undone): the journal goes."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        try:
            os.unlink(os.path.join(self._abs(''), MARKER))
        except OSError:
            pass
        _fsync_dir(self._abs(''))


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


class CommServer:
    """Serves one comm: ops run on the kernel's thread, walks in workers."""

    def __init__(self, comm, helper):
        self.comm = comm
        self.helper = helper
        self.walks = {}
        self._lock = threading.Lock()
        comm.on_msg(self.on_msg)

    def send(self, data, buffers=None):
        self.comm.send(data, buffers=buffers or None)

    def reply(self, rid, fn):
        try:
            result, buffers = fn()
        except HelperError as err:
            self.send({'id': rid, 'ok': False, 'error': err.payload()})
        except KeyboardInterrupt:
            self.send({'id': rid, 'ok': False, 'error': {'type': 'Interrupted', 'message': 'The helper kernel was interrupted.'}})
        except Exception as err:  # noqa: BLE001 - every request gets a reply
            self.send({'id': rid, 'ok': False, 'error': {'type': 'InternalError', 'message': '%s: %s' % (type(err).__name__, err)}})
        else:
            self.send({'id': rid, 'ok': True, 'result': result}, buffers)

    def on_msg(self, msg):
        data = msg['content'].get('data') or {}
        rid = data.get('id')
        op = data.get('op')
        args = data.get('args') or {}
        if op == 'cancel':
            self.reply(rid, lambda: (self.cancel(args.get('target')), []))
        elif op in Helper.THREADED:
            self.start_threaded(rid, op, args)
        else:
            buffers = msg.get('buffers') or None
            self.reply(rid, lambda: self.helper.dispatch(op, args, buffers=buffers))

    def cancel(self, target):
        with self._lock:
            event = self.walks.get(target)
        if event is not None:
            event.set()
        return {'cancelled': event is not None}

    def start_threaded(self, rid, op, args):
        event = threading.Event()
        with self._lock:
            self.walks[rid] = event

        def progress(n):
            self.send({'id': rid, 'progress': n})

        def run():
            try:
                if op in Helper.CANCELLABLE:
                    self.reply(rid, lambda: self.helper.dispatch(op, args, cancel=event, progress=progress))
                else:
                    self.reply(rid, lambda: self.helper.dispatch(op, args))
            finally:
                with self._lock:
                    self.walks.pop(rid, None)

        # A worker thread keeps the kernel free to receive `cancel`.
        threading.Thread(target=run, name='snapshot-guard-' + op, daemon=True).start()


def _comm_manager(ip):
    mgr = getattr(getattr(ip, 'kernel', None), 'comm_manager', None)
    if mgr is None:
        from comm import get_comm_manager  # ipykernel >= 6.18

        mgr = get_comm_manager()
    return mgr


def register(ip=None, root=None):
    """Register the comm target; the root is the kernel's working folder now."""
    if ip is None:
        ip = get_ipython()  # noqa: F821 - provided inside IPython
    helper = Helper(os.getcwd() if root is None else root)

    def on_open(comm, open_msg):
        CommServer(comm, helper)

    _comm_manager(ip).register_target(TARGET, on_open)
    return helper


def _in_kernel():
    try:
        ip = get_ipython()  # noqa: F821
    except NameError:
        return False
    return getattr(ip, 'kernel', None) is not None


# -- Issue 8: the documentation's other fixes -----------------------------------
# Kept apart from the rest (one section, no state shared with it) so it can
# move to a module of its own.


def _positive_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


# azureml-core reads the limit as a global of snapshots_client, imported by
# name from constants (`from .constants import SNAPSHOT_MAX_FILES, ONE_MB,
# SNAPSHOT_MAX_SIZE_BYTES`), so both modules are set. Read in azureml-core
# 1.50.0's azureml/_restclient/snapshots_client.py (_validate_snapshot_size)
# at SepidehHosseinian/Python-Essentials-for-MLOps commit
# 745407895773ed0ea970e52fcd1e3c975033d157, and constants.py
# (SNAPSHOT_MAX_SIZE_BYTES = 300 * ONE_MB) at commit
# 05c83b8150e99d5aa079da3668172ac23d13ad87, under
# venv/lib/python3.7/site-packages/.
_SNAPSHOT_LIMIT_MODULES = ('azureml._restclient.snapshots_client', 'azureml._restclient.constants')
_snapshot_limit_lock = threading.Lock()


class _raised_snapshot_limit:
    """Set SNAPSHOT_MAX_SIZE_BYTES for one submission; restore it afterwards.

    One submission at a time: the limit is a process-wide global.
    """

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self.saved = []

    def __enter__(self):
        import importlib

        _snapshot_limit_lock.acquire()
        try:
            for name in _SNAPSHOT_LIMIT_MODULES:
                try:
                    module = importlib.import_module(name)
                except ImportError as err:
                    raise _sdk_missing('azureml-core', err)
                self.saved.append((module, getattr(module, 'SNAPSHOT_MAX_SIZE_BYTES', None)))
                module.SNAPSHOT_MAX_SIZE_BYTES = self.max_bytes
        except BaseException:
            self._restore()
            raise
        return self

    def __exit__(self, *exc):
        self._restore()
        return False

    def _restore(self):
        try:
            for module, value in reversed(self.saved):
                if value is None:
                    try:
                        delattr(module, 'SNAPSHOT_MAX_SIZE_BYTES')
                    except AttributeError:
                        pass
                else:
                    module.SNAPSHOT_MAX_SIZE_BYTES = value
            self.saved = []
        finally:
            _snapshot_limit_lock.release()


# Data to a datastore: the documentation's first fix. The user picks files and
# folders of the snapshot; they are uploaded with the notebook's SDK and made
# a data asset, and the job mounts that asset as an input.

# Azure ML's data asset names (the service's REST contract, as azure-ai-ml's
# generated client checks it: azure-ai-ml 1.4.0, Debian python3-azure
# 20230112+git-1, azure/ai/ml/_restclient/v2022_10_01/operations/
# _data_versions_operations.py) and job input names (azure/ai/ml/entities/
# _job/_input_output_helpers.py). Mirrored in src/submit/data-asset.ts.
_ASSET_NAME = re.compile(r'^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$')
_INPUT_NAME = re.compile(r'^[a-zA-Z_]+[a-zA-Z0-9_]*$')
# Files uploaded per call, so progress is reported and Cancel is honoured
# between calls.
_UPLOAD_BATCH = 20


def _checked_inputs(inputs):
    if inputs is None:
        return []
    if not isinstance(inputs, list):
        raise HelperError('BadRequest', 'inputs must be a list')
    out = []
    for i in inputs:
        if not isinstance(i, dict):
            raise HelperError('BadRequest', 'each input must be an object')
        name, asset, version, type_ = i.get('input'), i.get('asset'), i.get('version'), i.get('type', 'uri_folder')
        if not (isinstance(name, str) and _INPUT_NAME.match(name)):
            raise HelperError('BadRequest', 'Bad input name %r: letters, digits and _ only, not starting with a digit.' % (name,))
        if not (isinstance(asset, str) and _ASSET_NAME.match(asset)):
            raise HelperError('BadRequest', 'Bad data asset name %r.' % (asset,))
        if not (isinstance(version, str) and version):
            raise HelperError('BadRequest', 'Bad data asset version %r.' % (version,))
        if type_ not in ('uri_folder', 'uri_file'):
            raise HelperError('BadRequest', "type must be 'uri_folder' or 'uri_file'")
        out.append({'input': name, 'asset': asset, 'version': version, 'type': type_})
    return out


def _v2_inputs(inputs):
    """azure-ai-ml: {name: Input(type=..., path='azureml:<name>:<version>')}."""
    from azure.ai.ml import Input

    return {i['input']: Input(type=i['type'], path='azureml:%s:%s' % (i['asset'], i['version'])) for i in inputs}


def _v1_command(ws, command, inputs):
    """azureml-core: the command as a list in which each ${{inputs.<name>}}
    becomes Dataset.get_by_name(...).as_named_input(<name>).as_mount()."""
    import shlex

    from azureml.core import Dataset

    mounts = {}
    for i in inputs:
        ds = Dataset.get_by_name(ws, name=i['asset'], version=i['version'])
        mounts['${{inputs.%s}}' % i['input']] = ds.as_named_input(i['input']).as_mount()
    parts = shlex.split(command)
    used = [p for p in parts if p in mounts]
    if len(used) < len(mounts):
        # Mounted even when the command does not name it: the job can find
        # it through its environment.
        parts += [m for k, m in mounts.items() if k not in used]
    return [mounts.get(p, p) for p in parts]


def _data_error(err, sdk, rel):
    """An SDK error of an upload, in words; no connection is said plainly."""
    names = [c.__name__ for c in type(err).__mro__]
    text = _first_line(err, 600)
    offline = ('ServiceRequestError', 'ConnectionError', 'NewConnectionError', 'MaxRetryError')
    if any(n in offline for n in names) or 'failed to establish a new connection' in text.lower():
        return HelperError(
            'Offline',
            'Azure could not be reached, so the data was not uploaded (is this server offline?). %s. Nothing was excluded from the snapshot.'
            % text,
        )
    return _sdk_error(err, sdk, rel, '')


def _client_for(sdk, absdir):
    if sdk == 'v2':
        try:
            from azure.ai.ml import MLClient
        except ImportError as err:
            raise _sdk_missing('azure-ai-ml', err, ('azure-identity',))
        try:
            from azure.identity import DefaultAzureCredential
        except ImportError as err:
            raise _sdk_missing('azure-identity', err)
        return MLClient.from_config(credential=DefaultAzureCredential(), path=absdir)
    try:
        from azureml.core import Workspace
    except ImportError as err:
        raise _sdk_missing('azureml-core', err)
    return Workspace.from_config(path=absdir)


def _data_versions(helper, sdk, folder, name):
    """The versions a data asset has in the workspace ([] when it is new)."""
    absdir, rel = helper.resolve(folder, 'folder')
    if sdk not in ('v1', 'v2'):
        raise HelperError('BadRequest', "sdk must be 'v1' or 'v2'")
    if not (isinstance(name, str) and _ASSET_NAME.match(name)):
        raise HelperError('BadRequest', 'Bad data asset name %r.' % (name,))
    try:
        client = _client_for(sdk, absdir)
        if sdk == 'v2':
            try:
                return {'versions': [str(d.version) for d in client.data.list(name=name)]}
            except Exception as err:  # noqa: BLE001 - a new name is not an error
                if 'ResourceNotFoundError' in [c.__name__ for c in type(err).__mro__]:
                    return {'versions': []}
                raise
        from azureml.core import Dataset

        try:
            latest = Dataset.get_by_name(client, name=name)
        except Exception as err:  # noqa: BLE001 - v1 says "not found" in words
            if 'not found' in str(err).lower() or 'cannot find' in str(err).lower():
                return {'versions': []}
            raise
        # v1 numbers versions 1, 2, …: the latest says which are taken.
        return {'versions': [str(v) for v in range(1, int(latest.version) + 1)]}
    except HelperError:
        raise
    except Exception as err:  # noqa: BLE001 - every SDK error gets a message
        raise _data_error(err, sdk, rel)


def _data_files(helper, absdir, rel, paths, keep):
    """(absolute path, path relative to the folder) of every file chosen."""
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
        raise HelperError('BadRequest', 'paths must be a non-empty list of paths in the folder')
    chosen = []
    for p in paths:
        if p.strip('/') in ('', '.'):
            raise HelperError(
                'BadPath',
                "The data to move is the snapshot folder itself (the notebook's own folder). Choose the data's files or subfolders.",
            )
        absp, relp = helper.resolve(p if rel in ('', '.') else rel + '/' + p, 'path')
        if not (absp == absdir or absp.startswith(absdir + os.sep)):
            raise HelperError('BadPath', "'%s' is not inside the snapshot folder." % p)
        inner = os.path.relpath(absp, absdir).replace(os.sep, '/')
        if keep and (keep == inner or keep.startswith(inner + '/')):
            raise HelperError('BadPath', "'%s' holds the notebook, which stays in the snapshot." % inner)
        if not os.path.exists(absp):
            raise HelperError('NotFound', "'%s' does not exist." % inner, path=relp)
        chosen.append((absp, inner))
    files = []
    for absp, inner in chosen:
        if os.path.isdir(absp):
            for here, dirs, names in os.walk(absp):
                dirs.sort()
                for n in sorted(names):
                    f = os.path.join(here, n)
                    files.append((f, os.path.relpath(f, absdir).replace(os.sep, '/')))
        else:
            files.append((absp, inner))
    return chosen, files


def _upload_data(helper, sdk, folder, paths, name, version, keep, description, cancel, progress):
    """Upload `paths` (in `folder`) and make them data asset name:version.

    v1 (azureml-core): Datastore.upload_files to ws.get_default_datastore(),
    in batches (progress and Cancel between batches), then
    Dataset.File.from_files(...).register(ws, name, create_new_version=True).
    v2 (azure-ai-ml): MLClient.data.create_or_update(Data(path, type, name,
    version)); azure-ai-ml uploads in one call, so Cancel stops waiting for
    it but cannot stop it. Nothing local is changed.
    """
    absdir, rel = helper.resolve(folder, 'folder')
    if sdk not in ('v1', 'v2'):
        raise HelperError('BadRequest', "sdk must be 'v1' or 'v2'")
    if not (isinstance(name, str) and _ASSET_NAME.match(name)):
        raise HelperError(
            'BadRequest',
            'Bad data asset name %r: 1 to 255 letters, digits, - and _, starting with a letter or digit.' % (name,),
        )
    if not (isinstance(version, str) and version):
        raise HelperError('BadRequest', 'version must be a non-empty string')
    chosen, files = _data_files(helper, absdir, rel, paths, keep)
    if sdk == 'v2' and len(chosen) > 1:
        # Data(path=...) is one folder or file; several would need a staging
        # folder of links, written outside the folder being worked on.
        raise HelperError(
            'BadRequest',
            'With azure-ai-ml a data asset is one folder or one file: pick one (or move the data into one folder first).',
        )
    single_file = len(chosen) == 1 and not os.path.isdir(chosen[0][0])
    type_ = 'uri_file' if single_file else 'uri_folder'
    # The asset's root: the folder when one is chosen, else what holds them all.
    if len(chosen) > 1:
        root = os.path.commonpath([os.path.dirname(a) for a, _ in chosen])
    elif single_file:
        root = os.path.dirname(chosen[0][0])
    else:
        root = chosen[0][0]
    done = [0]

    def tick(n):
        done[0] += n
        if progress is not None:
            progress(done[0])

    def check_cancel():
        if cancel is not None and cancel.is_set():
            raise HelperError(
                'Cancelled',
                'The upload was cancelled after %d of %d files; no data asset was made and nothing was excluded. Files already copied to the datastore stay there.'
                % (done[0], len(files)),
            )

    try:
        client = _client_for(sdk, absdir)
        if sdk == 'v1':
            from azureml.core import Dataset

            datastore = client.get_default_datastore()
            target = 'snapshot-guard/%s/%s' % (name, version)
            for i in range(0, len(files), _UPLOAD_BATCH):
                check_cancel()
                batch = [f for f, _ in files[i : i + _UPLOAD_BATCH]]
                datastore.upload_files(files=batch, relative_root=root, target_path=target, overwrite=True, show_progress=False)
                tick(len(batch))
            check_cancel()
            where = target + '/' + os.path.basename(chosen[0][0]) if single_file else target
            ds = Dataset.File.from_files(path=(datastore, where))
            ds = ds.register(workspace=client, name=name, description=description or None, create_new_version=True)
            made = str(getattr(ds, 'version', version))
        else:
            from azure.ai.ml.entities import Data

            path = chosen[0][0]
            result = {}

            def run():
                try:
                    result['data'] = client.data.create_or_update(
                        Data(path=path, type=type_, name=name, version=version, description=description or None)
                    )
                except BaseException as err:  # noqa: BLE001 - handed to the waiting thread
                    result['error'] = err

            worker = threading.Thread(target=run, name='snapshot-guard-data', daemon=True)
            worker.start()
            while worker.is_alive():
                worker.join(0.2)
                if cancel is not None and cancel.is_set():
                    raise HelperError(
                        'Cancelled',
                        'Stopped waiting for azure-ai-ml, which cannot stop an upload it has started: if it finishes, the data asset %s:%s exists in the workspace, unused. Nothing was excluded.'
                        % (name, version),
                    )
            if 'error' in result:
                raise result['error']
            tick(len(files))
            made = str(getattr(result['data'], 'version', version))
    except HelperError:
        raise
    except Exception as err:  # noqa: BLE001 - every SDK error gets a message
        raise _data_error(err, sdk, rel)
    return {
        'name': name,
        'version': made,
        'type': type_,
        'files': len(files),
        'bytes': sum(os.path.getsize(f) for f, _ in files),
        'paths': [inner for _a, inner in chosen],
    }


# Imported as a module (tests) or run as a plain script: register nothing.
if __name__ == '__main__' and _in_kernel():
    register()
