# Part of the helper kernel's source. scripts/embed-python.js joins the
# parts of src/kernel/helper/ in a fixed order into one module (the kernel
# runs that); Helper, made of the operations of the parts before, and the
# comm server that serves it in the kernel. Last: it runs at import.


class Helper(_FileOps, _ArchiveOps, _AzureOps, _DataOps):
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
    # A threaded request with `background: true` in its args (the meter's
    # walks) runs at this nice value, so that it yields the CPU to the
    # user's typing and kernels; Submit's requests keep the kernel's. A
    # thread's nice value counts only within its process's autogroup (each
    # kernel is a session of its own) or cgroup, not against the browser:
    # so a background walk also works in slices of this many seconds with
    # rests as long between them.
    BACKGROUND_NICE = 19
    BACKGROUND_SLICE = 0.01

    def dispatch(self, op, args, cancel=None, progress=None, buffers=None, pace=None):
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
                listing = fn(cancel=cancel, progress=progress, pace=pace, **args)
                blob = _packed(listing)
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
        background = isinstance(args, dict) and args.get('background') is True
        if isinstance(args, dict):
            args = {k: v for k, v in args.items() if k != 'background'}
        event = threading.Event()
        with self._lock:
            self.walks[rid] = event

        def progress(n, buffers=None):
            # A streamed walk's chunk travels as the buffer of its progress.
            self.send({'id': rid, 'progress': n}, buffers)

        def run():
            pace = None
            if background:
                _lower_thread_priority(Helper.BACKGROUND_NICE)
                pace = _Pacer(Helper.BACKGROUND_SLICE)
            try:
                if op in Helper.CANCELLABLE:
                    self.reply(rid, lambda: self.helper.dispatch(op, args, cancel=event, progress=progress, pace=pace))
                else:
                    self.reply(rid, lambda: self.helper.dispatch(op, args))
            finally:
                with self._lock:
                    self.walks.pop(rid, None)

        # A worker thread keeps the kernel free to receive `cancel`.
        threading.Thread(target=run, name='snapshot-guard-' + op, daemon=True).start()


def _lower_thread_priority(nice):
    """Lower the calling thread's CPU priority (only its own) to `nice`.

    Linux gives every thread its own nice value (PRIO_PROCESS with a thread
    id); elsewhere that id may name another process, so nothing is done.
    The thread ends with its request, so nothing needs restoring (an
    unprivileged process could not raise it back).
    """
    if not sys.platform.startswith('linux'):
        return
    tid = threading.get_native_id()
    try:
        if os.getpriority(os.PRIO_PROCESS, tid) < nice:
            os.setpriority(os.PRIO_PROCESS, tid, nice)
    except OSError:
        pass  # still correct, only not in the background


class _Pacer:
    """Called between steps: once a slice of work has passed, rests as long.

    The thread then never holds a core for long, whatever the scheduler
    makes of its priority; sleeping releases the GIL too.
    """

    def __init__(self, slice_s):
        self.slice_s = slice_s
        self.start = time.monotonic()

    def __call__(self):
        worked = time.monotonic() - self.start
        if worked >= self.slice_s:
            time.sleep(worked)
            self.start = time.monotonic()


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
    _pause('load')
    register()
