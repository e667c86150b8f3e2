# Part of the helper kernel's source. scripts/embed-python.js joins the
# parts of src/kernel/helper/ in a fixed order into one module (the kernel
# runs that); file operations: paths, listing, reading, atomic writes,
# "Move to a clean folder" and its journal. Names come from common.py.


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


# A streamed walk sends a chunk once this many entries are listed, or this
# long after the last one: big enough for few messages, small enough that
# the page sees a large folder early.
STREAM_ENTRIES = 5000
STREAM_SECONDS = 0.1


def _packed(obj):
    """JSON, zlib-compressed: large listings travel fast and small."""
    return zlib.compress(json.dumps(obj, separators=(',', ':')).encode('utf-8'), 6)


class _FileOps:
    """Helper's file operations (see Helper in server.py)."""

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
                return _with_access({'name': name, 'kind': 'file', 'size': st.st_size, 'mtime': _ms(st)}, st)
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
            return _with_access({'name': name, 'kind': 'file', 'size': st.st_size, 'mtime': _ms(st), 'link': link}, st)
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

    def op_walk(self, path='', base=None, cancel=None, progress=None, stream=False, pace=None):
        """The whole tree under `path`, every folder's entries in one result.

        Links into folders are followed (Azure ML uploads what they point
        at) except into a folder already on the way down (a loop). A folder
        reached again through another link path is listed again (the SDKs
        upload it once per path) up to _MAX_REPEATS times in all; past that,
        `aliases` maps each later path to the first, so stacked link
        "diamonds" cost bounded work, not 2^n (the engine stops repeating
        at the same budget and warns). A folder that cannot be listed is
        noted in `errors`; only the root is fatal.
        With `stream`, folders go out with the progress as they are listed,
        in chunks shaped like the result (the root's alone and first, with
        the root's identity, so the client can start on it; a folder's
        aliases with its entries), and the result holds only the rest.
        `pace`, when given, is called before each folder is read.
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
        seen = {root_id: ''}
        aliases = {}
        repeats = 0
        files = 0
        last_files = 0
        last_time = time.monotonic()
        # Entries in `dirs` not yet streamed.
        unsent = 0
        stack = [('', absroot, frozenset([root_id]))]
        while stack:
            if cancel is not None and cancel.is_set():
                raise HelperError('Cancelled', "The listing of '%s' was cancelled." % rel)
            sub, absdir, chain = stack.pop()
            if pace is not None:
                pace()
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
                    first = seen.get(e['id'])
                    if first is None:
                        seen[e['id']] = child
                    else:
                        repeats += 1
                        if repeats > _MAX_REPEATS:
                            aliases[child] = first
                            continue
                    stack.append((child, os.path.join(absdir, d.name), chain | {e['id']}))
            dirs[sub] = entries
            unsent += len(entries) + 1
            if progress is None:
                continue
            now = time.monotonic()
            if stream:
                if sub == '' or unsent >= STREAM_ENTRIES or now - last_time >= STREAM_SECONDS:
                    chunk = {'dirs': dirs, 'errors': errors, 'aliases': aliases}
                    if sub == '':
                        chunk.update(root=rel, rootId=root_id)
                    progress(files, [_packed(chunk)])
                    dirs, errors, aliases, unsent = {}, {}, {}, 0
                    last_time = now
                    _pause('walk')
            elif files != last_files and (files - last_files >= 1000 or now - last_time >= 0.2):
                last_files, last_time = files, now
                progress(files)
                _pause('walk')
        return {'root': rel, 'rootId': root_id, 'files': files, 'dirs': dirs, 'errors': errors, 'aliases': aliases}

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


# Folders walked again through other link paths, in all: the engine's
# MAX_FOLDER_REPEATS (src/snapshot/walk.ts), so the listing holds what the
# engine asks for before it stops.
_MAX_REPEATS = 4096

_UID = os.getuid() if hasattr(os, 'getuid') else -1
_GROUPS = set(os.getgroups() + [os.getgid()]) if hasattr(os, 'getgroups') else set()


def _with_access(entry, st):
    """Marks a file that cannot be opened for reading, as os.access(R_OK)
    answers it (azureml-core leaves such a file out), from the mode bits at
    hand rather than one more system call per file, as NodeFileSystem
    does. Root reads everything."""
    if _UID != 0:
        bit = 0o400 if st.st_uid == _UID else 0o040 if st.st_gid in _GROUPS else 0o004
        if not st.st_mode & bit:
            entry['readable'] = False
    return entry


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
