# Part of the helper kernel's source. scripts/embed-python.js joins the
# parts of src/kernel/helper/ in a fixed order into one module (the kernel
# runs that); saving a zip on the server (upload_*), written
# anonymously and named at the commit. Names come from common.py.


class _ArchiveOps:
    """Helper's upload_* operations (see Helper in server.py)."""

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
