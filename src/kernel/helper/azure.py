# Part of the helper kernel's source. scripts/embed-python.js joins the
# parts of src/kernel/helper/ in a fixed order into one module (the kernel
# runs that); submitting to Azure ML with the notebook's SDK, and the
# raised snapshot limit. Names come from common.py and data.py.


class _AzureOps:
    """Helper's Azure ML operations (see Helper in server.py)."""

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


def _v2_sdk():
    """azure-ai-ml and azure-identity's DefaultAzureCredential, or SdkMissing."""
    try:
        import azure.ai.ml as aml
    except ImportError as err:
        raise _sdk_missing('azure-ai-ml', err, ('azure-identity',))
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError as err:
        raise _sdk_missing('azure-identity', err)
    return aml, DefaultAzureCredential


def _submit_v2(absdir, rel, command, compute, environment, experiment, display_name, inputs=()):
    aml, credential = _v2_sdk()
    client = None
    stage = 'workspace'

    def computes():
        return [c.name for c in client.compute.list()]

    try:
        client = aml.MLClient.from_config(credential=credential(), path=absdir)
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
        job = aml.command(**kwargs)
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


# -- A raised snapshot limit (issue 8) ----------------------------------------


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
