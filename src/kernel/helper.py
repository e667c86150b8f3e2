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


def _ms(st):
    return st.st_mtime_ns / 1e6


def _sha256_file(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        while True:
            block = f.read(CHUNK)
            if not block:
                break
            h.update(block)
    return h.hexdigest()


class Helper:
    """The operations, over a root folder. Paths are root-relative."""

    def __init__(self, root):
        self.root = os.path.abspath(root)
        # What this helper created: only these may be removed again, and
        # copies go only into folders made by mkdir_unique.
        self.created_dirs = set()
        self.created_files = set()
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
            with open(absp, 'rb') as f:
                st = os.fstat(f.fileno())
                if not statmod.S_ISREG(st.st_mode):
                    raise HelperError('NotAFile', "Cannot read '%s': not a regular file" % rel, path=rel)
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
        except OSError as err:
            raise _os_error(err, rel, 'read')

    # -- writing ------------------------------------------------------------

    def op_write_atomic(self, path, text, expect):
        """Replace a file only if it still holds what the client saw.

        `expect` is the sha256 of that content, or None for "must not exist".
        Readers see the old or the new file, never a mix.
        """
        absp, rel = self.resolve(path)
        if not isinstance(text, str):
            raise HelperError('BadRequest', 'text must be a string')
        if expect is not None and not isinstance(expect, str):
            raise HelperError('BadRequest', 'expect must be a sha256 hex string or null')
        if rel == '':
            raise HelperError('BadPath', 'Cannot write the server root itself.')
        data = text.encode('utf-8')
        with self._lock:
            try:
                st = os.lstat(absp)
            except FileNotFoundError:
                st = None
            except OSError as err:
                raise _os_error(err, rel, 'write')
            if st is not None and not statmod.S_ISREG(st.st_mode):
                # Replacing a link would cut it (and leave its target as it
                # was): refuse rather than surprise.
                raise HelperError(
                    'NotAFile',
                    "Cannot write '%s': it is a link or not a regular file; edit it by hand." % rel,
                    path=rel,
                )
            if expect is None and st is not None:
                raise HelperError('Changed', "'%s' was created meanwhile; nothing was written." % rel, path=rel)
            if expect is not None:
                if st is None:
                    raise HelperError('Changed', "'%s' was removed meanwhile; nothing was written." % rel, path=rel)
                try:
                    current = _sha256_file(absp)
                except OSError as err:
                    raise _os_error(err, rel, 'read')
                if current != expect.lower():
                    raise HelperError(
                        'Changed', "'%s' changed on disk meanwhile; nothing was written." % rel, path=rel
                    )
            folder, name = os.path.split(absp)
            tmp = os.path.join(folder, '.%s.sg-%d-%s.tmp' % (name, os.getpid(), os.urandom(4).hex()))
            try:
                # 0o666 minus the umask, like any new file; an old file's
                # mode is put back below.
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except OSError as err:
                raise _os_error(err, rel, 'write')
            try:
                with os.fdopen(fd, 'wb') as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
                if st is not None:
                    os.chmod(tmp, statmod.S_IMODE(st.st_mode))
                os.replace(tmp, absp)
            except OSError as err:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise _os_error(err, rel, 'write')
            _fsync_dir(folder)
            if st is None:
                self.created_files.add(rel)
        return {'path': rel, 'size': len(data), 'sha256': hashlib.sha256(data).hexdigest()}

    def op_mkdir_unique(self, parent, base):
        """Create a new folder `base`, else `base-2`, `base-3`, ...; never reuse one."""
        absparent, relparent = self.resolve(parent, 'parent')
        base = self._name(base)
        for n in range(1, 10000):
            name = base if n == 1 else '%s-%d' % (base, n)
            try:
                os.mkdir(os.path.join(absparent, name))
            except FileExistsError:
                continue
            except OSError as err:
                raise _os_error(err, relparent or '.', 'create a folder in')
            rel = name if relparent == '' else relparent + '/' + name
            self.created_dirs.add(rel)
            return rel
        raise HelperError('Exists', "No free folder name like '%s' in '%s'." % (base, relparent or '.'))

    def _inside_created(self, rel):
        return any(rel.startswith(d + '/') for d in self.created_dirs)

    def op_copy_files(self, pairs):
        """Copy files into a folder made by mkdir_unique, verified by sha256.

        On any failure, only what this call created is removed again.
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
            if not self._inside_created(reldst):
                raise HelperError(
                    'BadRequest',
                    "'%s' is not inside a folder created by mkdir_unique; nothing was copied." % reldst,
                    path=reldst,
                )
            jobs.append((abssrc, relsrc, absdst, reldst))
        made_files = []
        made_dirs = []
        done = []
        current = None
        try:
            for abssrc, relsrc, absdst, reldst in jobs:
                current = (relsrc, reldst)
                made_dirs.extend(self._make_parents(reldst))
                done.append(self._copy_one(abssrc, relsrc, absdst, reldst, made_files))
        except BaseException as err:
            for rel in reversed(made_files):
                try:
                    os.unlink(os.path.join(self.root, rel))
                except OSError:
                    pass
            for rel in reversed(made_dirs):
                try:
                    os.rmdir(os.path.join(self.root, rel))
                except OSError:
                    pass
                self.created_dirs.discard(rel)
            if isinstance(err, HelperError):
                why = err.message
            elif isinstance(err, OSError):
                why = err.strerror or str(err)
            elif isinstance(err, KeyboardInterrupt):
                raise
            else:
                why = repr(err)
            relsrc, reldst = current
            raise HelperError(
                'CopyFailed',
                "Could not copy '%s' to '%s': %s. Nothing of this copy was kept." % (relsrc, reldst, why),
                path=relsrc,
            )
        self.created_files.update(d['dst'] for d in done)
        return done

    def _make_parents(self, reldst):
        """Create missing folders between a created folder and `reldst`."""
        made = []
        parts = reldst.split('/')[:-1]
        for i in range(1, len(parts) + 1):
            rel = '/'.join(parts[:i])
            if rel in self.created_dirs or not self._inside_created(rel):
                continue
            try:
                os.mkdir(os.path.join(self.root, rel))
            except FileExistsError:
                if not os.path.isdir(os.path.join(self.root, rel)):
                    raise
                continue
            self.created_dirs.add(rel)
            made.append(rel)
        return made

    @staticmethod
    def _copy_one(abssrc, relsrc, absdst, reldst, made_files):
        h = hashlib.sha256()
        size = 0
        with open(abssrc, 'rb') as fin:
            st = os.fstat(fin.fileno())
            if not statmod.S_ISREG(st.st_mode):
                raise HelperError('NotAFile', 'the source is not a regular file')
            # 'xb': never overwrite a file that appeared meanwhile.
            with open(absdst, 'xb') as fout:
                made_files.append(reldst)
                while True:
                    block = fin.read(CHUNK)
                    if not block:
                        break
                    h.update(block)
                    size += len(block)
                    fout.write(block)
                fout.flush()
                os.fsync(fout.fileno())
        digest = h.hexdigest()
        if _sha256_file(absdst) != digest:
            raise HelperError('VerifyFailed', 'the copy differs from the source')
        os.chmod(absdst, statmod.S_IMODE(st.st_mode))
        os.utime(absdst, ns=(st.st_atime_ns, st.st_mtime_ns))
        return {'src': relsrc, 'dst': reldst, 'size': size, 'sha256': digest}

    def op_remove_created(self, paths):
        """Roll back: remove the given files, then the folders that are empty.

        Only paths this helper created are touched; others are kept and
        reported, as are folders that are not empty.
        """
        if not isinstance(paths, list):
            raise HelperError('BadRequest', 'paths must be a list')
        files, dirs, removed, kept, missing = [], [], [], [], []
        for p in paths:
            absp, rel = self.resolve(p)
            try:
                st = os.lstat(absp)
            except FileNotFoundError:
                missing.append(rel)
                continue
            except OSError as err:
                kept.append({'path': rel, 'reason': _reason(err)})
                continue
            (dirs if statmod.S_ISDIR(st.st_mode) else files).append((absp, rel))
        for absp, rel in files:
            if rel not in self.created_files:
                kept.append({'path': rel, 'reason': 'not created by the helper'})
                continue
            try:
                os.unlink(absp)
                self.created_files.discard(rel)
                removed.append(rel)
            except OSError as err:
                kept.append({'path': rel, 'reason': _reason(err)})
        for absp, rel in sorted(dirs, key=lambda x: -x[1].count('/')):
            if rel not in self.created_dirs:
                kept.append({'path': rel, 'reason': 'not created by the helper'})
                continue
            try:
                os.rmdir(absp)
                self.created_dirs.discard(rel)
                removed.append(rel)
            except OSError as err:
                reason = 'not empty' if err.errno in (errno.ENOTEMPTY, errno.EEXIST) else _reason(err)
                kept.append({'path': rel, 'reason': reason})
        return {'removed': removed, 'kept': kept, 'missing': missing}

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
        try:
            st = os.stat(absp)
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
                fd = os.open(folder, os.O_TMPFILE | os.O_WRONLY, 0o666)
            except OSError:
                fd = None
        if fd is None:
            tmp = os.path.join(folder, '.%s.sg-upload-%d-%s.part' % (name, os.getpid(), os.urandom(4).hex()))
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except OSError as err:
                raise _os_error(err, rel, 'write')
        token = os.urandom(12).hex()
        self.uploads[token] = {'fd': fd, 'abs': absp, 'rel': rel, 'dir': folder, 'tmp': tmp, 'size': 0}
        partial = None
        if tmp is not None:
            partial = os.path.relpath(tmp, self.root).replace(os.sep, '/')
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
        return {'size': u['size']}

    def op_upload_commit(self, token, overwrite=False):
        """Make the zip appear at its path, complete, in one step."""
        u = self._upload(token)
        rel = u['rel']
        fd = u['fd']
        try:
            os.fsync(fd)
            if u['tmp'] is None:
                if overwrite:
                    named = os.path.join(u['dir'], '.%s.sg-upload-%d-%s.part' % (os.path.basename(u['abs']), os.getpid(), os.urandom(4).hex()))
                    _link_anonymous(fd, named)
                    try:
                        os.replace(named, u['abs'])
                    except OSError:
                        os.unlink(named)
                        raise
                else:
                    _link_anonymous(fd, u['abs'])
            elif overwrite:
                os.replace(u['tmp'], u['abs'])
                u['tmp'] = None
            else:
                os.link(u['tmp'], u['abs'])
        except FileExistsError:
            self._drop_upload(token)
            raise HelperError('Exists', "'%s' appeared meanwhile; nothing was replaced." % rel, path=rel)
        except OSError as err:
            self._drop_upload(token)
            raise _os_error(err, rel, 'write')
        size = u['size']
        self._drop_upload(token)
        _fsync_dir(u['dir'])
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
                os.unlink(u['tmp'])
            except OSError:
                pass

    _PARTIAL = re.compile(r'^\..+\.sg-upload-\d+-[0-9a-f]{8}\.part$', re.S)

    def op_upload_discard(self, partial):
        """Remove a named partial file left by a kernel that died."""
        absp, rel = self.resolve(partial)
        if not self._PARTIAL.match(os.path.basename(absp)):
            raise HelperError('BadRequest', "'%s' is not a partial zip of the helper." % rel, path=rel)
        try:
            st = os.lstat(absp)
        except FileNotFoundError:
            return {'removed': False}
        if not statmod.S_ISREG(st.st_mode):
            raise HelperError('NotAFile', "'%s' is not a regular file." % rel, path=rel)
        try:
            os.unlink(absp)
        except OSError as err:
            raise _os_error(err, rel, 'remove')
        return {'removed': True}

    # -- submitting to Azure ML ----------------------------------------------

    def op_submit_azureml(self, sdk, folder, command, compute='', environment='', experiment='', display_name=''):
        """Submit a command job whose code snapshot is `folder`.

        `sdk` 'v2' uses azure-ai-ml (MLClient, command, jobs.create_or_update)
        with DefaultAzureCredential; 'v1' uses azureml-core (Workspace,
        ScriptRunConfig, Experiment.submit). The workspace comes from
        config.json found from the folder upwards. SDK errors come back as
        SdkMissing, NoConfig, AuthFailed, UnknownCompute, SnapshotTooBig or
        SdkError, with a message for people.
        """
        absdir, rel = self.resolve(folder, 'folder')
        for key, value in (('command', command), ('compute', compute), ('environment', environment), ('experiment', experiment), ('display_name', display_name)):
            if not isinstance(value, str):
                raise HelperError('BadRequest', '%s must be a string' % key)
        if sdk not in ('v1', 'v2'):
            raise HelperError('BadRequest', "sdk must be 'v1' or 'v2'")
        if not command.strip():
            raise HelperError('BadRequest', 'The job needs a command.')
        if not os.path.isdir(absdir):
            raise HelperError('NotFound', "The folder '%s' does not exist." % (rel or '.'), path=rel)
        if sdk == 'v2':
            return _submit_v2(absdir, rel, command, compute, environment, experiment, display_name)
        return _submit_v1(absdir, rel, command, compute, environment, experiment, display_name)

    def op_ping(self):
        versions = {'python': sys.version.split()[0]}
        for mod in ('ipykernel', 'jupyter_client'):
            m = sys.modules.get(mod)
            if m is not None:
                versions[mod] = getattr(m, '__version__', '')
        return {'protocol': PROTOCOL, 'versions': versions, 'pid': os.getpid()}

    # -- dispatch -----------------------------------------------------------

    OPS = (
        'walk',
        'list',
        'read',
        'stat',
        'write_atomic',
        'mkdir_unique',
        'copy_files',
        'remove_created',
        'ping',
        'upload_begin',
        'upload_chunk',
        'upload_commit',
        'upload_abort',
        'upload_discard',
        'submit_azureml',
    )
    # Ops that may take long run in a worker thread, so the kernel keeps
    # answering (other requests, `cancel`).
    THREADED = ('walk', 'submit_azureml')

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


def _sdk_error(err, sdk, folder_rel, compute, list_computes=None):
    """Any exception of the SDK as a HelperError with a readable message."""
    names = [c.__name__ for c in type(err).__mro__]
    text = str(err)
    low = text.lower()
    where = folder_rel or '.'
    if 'config.json' in low and ('could not find' in low or 'not found' in low or 'no such file' in low):
        return HelperError(
            'NoConfig',
            "No Azure ML workspace configuration: config.json was found neither in '%s' nor in a folder above it. Download config.json from the workspace's page in the Azure portal and save it in the notebook's folder or a parent folder." % where,
        )
    if 'SnapshotException' in names or 'snapshot size exceeds' in low or 'exceeds the file limit' in low:
        return HelperError('SnapshotTooBig', 'Azure ML refused the snapshot: %s' % _first_line(text))
    auth = ('ClientAuthenticationError', 'CredentialUnavailableError', 'AuthenticationException', 'AuthenticationError')
    if any(n in auth for n in names) or 'defaultazurecredential failed' in low:
        how = (
            'Sign in on the server (for example az login in a terminal) or give it a managed identity or service principal (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET), then submit again.'
            if sdk == 'v2'
            else 'Sign in on the server (for example az login in a terminal), then submit again.'
        )
        return HelperError('AuthFailed', 'Azure sign-in failed: %s %s' % (_first_line(text, 400), how))
    not_found = ('not found', 'does not exist', 'could not be found', 'could not find', 'notfound', 'no such compute')
    if compute and 'compute' in low and any(w in low for w in not_found):
        known = ''
        if list_computes is not None:
            try:
                names_ = sorted(list_computes())
                known = ' Computes in this workspace: %s.' % (', '.join(names_) if names_ else 'none')
            except Exception:  # noqa: BLE001 - only a hint
                known = ''
        return HelperError(
            'UnknownCompute',
            "The workspace has no compute named '%s'.%s Check the name under Compute in Azure ML studio." % (compute, known),
        )
    return HelperError('SdkError', '%s: %s' % (type(err).__name__, _first_line(text, 1000)))


def _submit_v2(absdir, rel, command, compute, environment, experiment, display_name):
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

    def computes():
        return [c.name for c in client.compute.list()]

    try:
        client = MLClient.from_config(credential=DefaultAzureCredential(), path=absdir)
        kwargs = {'code': absdir, 'command': command}
        if compute:
            kwargs['compute'] = compute
        if environment:
            kwargs['environment'] = environment
        if experiment:
            kwargs['experiment_name'] = experiment
        if display_name:
            kwargs['display_name'] = display_name
        job = command_job(**kwargs)
        created = client.jobs.create_or_update(job)
    except HelperError:
        raise
    except Exception as err:  # noqa: BLE001 - every SDK error gets a message
        raise _sdk_error(err, 'v2', rel, compute, computes if client is not None else None)
    return {
        'name': getattr(created, 'name', None) or '',
        'studioUrl': getattr(created, 'studio_url', None),
        'status': getattr(created, 'status', None),
        'experiment': getattr(created, 'experiment_name', None) or experiment,
        'sdk': 'azure-ai-ml %s' % _dist_version('azure-ai-ml', aml),
    }


def _submit_v1(absdir, rel, command, compute, environment, experiment, display_name):
    try:
        import azureml.core as core
        from azureml.core import Environment, Experiment, ScriptRunConfig, Workspace
    except ImportError as err:
        raise _sdk_missing('azureml-core', err)
    ws = None

    def computes():
        return list(ws.compute_targets.keys())

    try:
        ws = Workspace.from_config(path=absdir)
        kwargs = {'source_directory': absdir, 'command': command}
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
        raise _sdk_error(err, 'v1', rel, compute, computes if ws is not None else None)
    return {
        'name': getattr(run, 'id', None) or '',
        'studioUrl': url,
        'status': None,
        'experiment': experiment,
        'sdk': 'azureml-core %s' % _dist_version('azureml-core', core),
    }


def _link_anonymous(fd, path):
    """Give an O_TMPFILE file a name; fails if `path` exists (no clobbering).

    Through /proc with AT_SYMLINK_FOLLOW, as open(2) describes. os.link only
    passes that flag to linkat() when a dir_fd is given.
    """
    folder, name = os.path.split(path)
    dfd = os.open(folder, os.O_RDONLY)
    try:
        os.link('/proc/self/fd/%d' % fd, name, dst_dir_fd=dfd, follow_symlinks=True)
    finally:
        os.close(dfd)


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
                if op == 'walk':
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


# Imported as a module (tests) or run as a plain script: register nothing.
if __name__ == '__main__' and _in_kernel():
    register()
