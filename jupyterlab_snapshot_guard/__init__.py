"""JupyterLab extension that checks a notebook's folder the way Azure ML
counts a code snapshot, and fixes it before you submit.

The Python package only ships the prebuilt front-end: pip installs it to
``share/jupyter/labextensions/jupyterlab-snapshot-guard``, where JupyterLab
finds it without a rebuild.
"""

try:
    from importlib.metadata import PackageNotFoundError, version

    __version__ = version("jupyterlab_snapshot_guard")
except PackageNotFoundError:  # running from a source checkout
    __version__ = "0.0.0+unknown"


def _jupyter_labextension_paths():
    """Where the prebuilt extension is, for `jupyter labextension develop`."""
    return [{"src": "labextension", "dest": "jupyterlab-snapshot-guard"}]
