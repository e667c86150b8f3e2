# Part of the helper kernel's source. scripts/embed-python.js joins the
# parts of src/kernel/helper/ in a fixed order into one module (the kernel
# runs that); moving data to a datastore as a data asset.
# Names come from common.py and azure.py.


# Data to a datastore: the documentation's first fix. The user picks files and
# folders of the snapshot; they are uploaded with the notebook's SDK and made
# a data asset, and the job mounts that asset as an input.


class _DataOps:
    """Helper's data operations (see Helper in server.py)."""

    def op_data_versions(self, sdk, folder, name):
        return _data_versions(self, sdk, folder, name)

    def op_upload_data(self, sdk, folder, paths, name, version, keep=None, description='', cancel=None, progress=None):
        return _upload_data(self, sdk, folder, paths, name, version, keep, description, cancel, progress)


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
        aml, credential = _v2_sdk()
        return aml.MLClient.from_config(credential=credential(), path=absdir)
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
