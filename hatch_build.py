"""Hatch build hook: refuse to package without the built front-end.

The prebuilt extension (jupyterlab_snapshot_guard/labextension) is made by
`npm run build`; hatchling alone would silently ship a wheel without it.
"""

from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

LABEXTENSION = Path("jupyterlab_snapshot_guard", "labextension")
ENSURED = [
    LABEXTENSION / "package.json",
    LABEXTENSION / "install.json",
    LABEXTENSION / "static" / "style.js",
    LABEXTENSION / "schemas" / "jupyterlab-snapshot-guard" / "plugin.json",
]


class EnsureLabextensionHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version, build_data):
        root = Path(self.root)
        missing = [str(p) for p in ENSURED if not (root / p).is_file()]
        if not list((root / LABEXTENSION / "static").glob("remoteEntry.*.js")):
            missing.append(str(LABEXTENSION / "static" / "remoteEntry.*.js"))
        if missing:
            raise RuntimeError(
                "the prebuilt JupyterLab extension is missing; run "
                "`npm run build` first. Missing: " + ", ".join(missing)
            )
