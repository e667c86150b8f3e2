"""Serve the test front-end (lab-harness/build) with Debian's jupyter_server.

Run with /usr/bin/python3 (it has jupyter_server and jupyterlab_server):

    /usr/bin/python3 lab-harness/serve.py --root-dir DIR --state-dir DIR \
        [--port 8888] [--token TOKEN] [--extension-dir DIR ...] \
        [--harness-dir lab-harness-4.0] [--allow-hidden] [-- extra traitlets options]

The state folder receives user settings, workspaces and Jupyter's config,
data and runtime folders, so nothing from an earlier run or from ~/.jupyter
leaks in. Prebuilt extensions are linked into <state>/labextensions/<name>,
the layout `jupyter labextension develop` makes.
"""

import argparse
import json
import os
import secrets
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_EXTENSION = os.path.join(REPO, "jupyterlab_snapshot_guard", "labextension")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root-dir", required=True, help="folder shown in JupyterLab")
    parser.add_argument("--state-dir", required=True, help="fresh folder for settings etc.")
    parser.add_argument("--port", type=int, default=8888)
    parser.add_argument("--ip", default="127.0.0.1")
    parser.add_argument("--token", default=None, help="default: a random token")
    parser.add_argument(
        "--extension-dir",
        action="append",
        default=None,
        help="built prebuilt extension folder (with package.json); repeatable",
    )
    parser.add_argument(
        "--harness-dir",
        default=HERE,
        help="harness whose build/ to serve (default: lab-harness/)",
    )
    parser.add_argument(
        "--allow-hidden",
        action="store_true",
        help="let the Contents API show and write dotfiles",
    )
    parser.add_argument(
        "--disable-plugin",
        action="append",
        default=[],
        help="a plugin id to disable, as a user's page_config.json would; repeatable",
    )
    args, extra = parser.parse_known_args(argv)
    if extra and extra[0] == "--":
        extra = extra[1:]
    return args, extra


def prepare_state(args):
    state = os.path.abspath(args.state_dir)
    dirs = {
        name: os.path.join(state, name)
        for name in ("user_settings", "workspaces", "labextensions", "config", "data", "runtime", "tmp")
    }
    for path in dirs.values():
        os.makedirs(path, exist_ok=True)
    os.environ["JUPYTER_CONFIG_DIR"] = dirs["config"]
    os.environ["JUPYTER_DATA_DIR"] = dirs["data"]
    os.environ["JUPYTER_RUNTIME_DIR"] = dirs["runtime"]
    os.environ["JUPYTER_NO_CONFIG"] = "1"
    # JUPYTER_NO_CONFIG makes every Jupyter process (the server, each kernel)
    # create a temporary config folder it never removes: keep them, and any
    # other temporary file, inside the state folder, which is removed.
    os.environ["TMPDIR"] = dirs["tmp"]
    tempfile.tempdir = dirs["tmp"]
    # ipykernel's debugger warns about frozen modules at every kernel start.
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")

    for ext_dir in args.extension_dir or [DEFAULT_EXTENSION]:
        ext_dir = os.path.abspath(ext_dir)
        with open(os.path.join(ext_dir, "package.json"), encoding="utf-8") as f:
            name = json.load(f)["name"]
        link = os.path.join(dirs["labextensions"], *name.split("/"))
        os.makedirs(os.path.dirname(link), exist_ok=True)
        if os.path.islink(link) or os.path.exists(link):
            os.remove(link)
        os.symlink(ext_dir, link, target_is_directory=True)
    return dirs


def disable_plugins(ids):
    """A page-config hook that disables plugins (JUPYTER_NO_CONFIG leaves no
    config folder for a page_config.json)."""

    def hook(_handler, page_config):
        disabled = page_config.get("disabledExtensions") or []
        page_config["disabledExtensions"] = list(disabled) + [i for i in ids if i not in disabled]
        return page_config

    return hook


def events_handlers():
    """Handlers for jupyter_server 2's event bus, which this 1.x server lacks.

    JupyterLab 4 subscribes to /api/events/subscribe at start and retries;
    each 404 shows as a console error. The socket here is accepted and stays
    silent (this server emits no events); posted events are accepted and
    dropped.
    """
    from jupyter_server.base.handlers import JupyterHandler
    from jupyter_server.base.zmqhandlers import WebSocketMixin
    from tornado import web
    from tornado.websocket import WebSocketHandler

    class EventsSubscribeHandler(WebSocketMixin, WebSocketHandler, JupyterHandler):
        def set_default_headers(self):
            # JupyterHandler's headers do not apply to a websocket.
            pass

        async def get(self, *args, **kwargs):
            if self.get_current_user() is None:
                raise web.HTTPError(403)
            await super().get(*args, **kwargs)

        def on_message(self, message):
            pass

    class EventsHandler(JupyterHandler):
        @web.authenticated
        def post(self):
            self.set_status(204)
            self.finish()

    return [
        (r"/api/events/subscribe", EventsSubscribeHandler),
        (r"/api/events", EventsHandler),
    ]


def main(argv):
    args, extra = parse_args(argv)
    harness = os.path.abspath(args.harness_dir)
    build = os.path.join(harness, "build")
    if not os.path.exists(os.path.join(build, "static", "bundle.js")):
        sys.exit(f"{harness} is not built: run `node scripts/harness.js`")
    dirs = prepare_state(args)
    token = args.token if args.token is not None else secrets.token_hex(24)

    # Imported after the environment points Jupyter at the state folder.
    from jupyterlab_server import LabServerApp

    with open(os.path.join(harness, "package.json"), encoding="utf-8") as f:
        version = json.load(f)["dependencies"]["@jupyterlab/application"]

    class HarnessApp(LabServerApp):
        name = "lab_harness"
        extension_url = "/lab"
        default_url = "/lab"
        load_other_extensions = False
        app_name = "JupyterLab (snapshot-guard test harness)"
        app_version = version
        app_settings_dir = os.path.join(HERE, "app_settings")
        static_dir = os.path.join(build, "static")
        schemas_dir = os.path.join(build, "schemas")
        themes_dir = os.path.join(build, "themes")
        templates_dir = os.path.join(HERE, "templates")
        user_settings_dir = dirs["user_settings"]
        workspaces_dir = dirs["workspaces"]
        labextensions_path = []
        extra_labextensions_path = [dirs["labextensions"]]

        def initialize_handlers(self):
            super().initialize_handlers()
            self.handlers.extend(events_handlers())

        def initialize_settings(self):
            super().initialize_settings()
            settings = self.serverapp.web_app.settings
            settings["terminals_available"] = False
            if args.disable_plugin:
                settings["page_config_hook"] = disable_plugins(args.disable_plugin)

    # ExtensionApp.launch_instance looks the app up through this hook.
    module = sys.modules[__name__]
    module._jupyter_server_extension_points = lambda: [
        {"module": __name__, "app": HarnessApp}
    ]

    server_args = [
        f"--ServerApp.root_dir={os.path.abspath(args.root_dir)}",
        f"--ServerApp.port={args.port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.ip={args.ip}",
        f"--ServerApp.token={token}",
        "--ServerApp.password=",
        "--ServerApp.open_browser=False",
        "--ServerApp.allow_root=True",
        "--ServerApp.disable_check_xsrf=False",
    ]
    if args.allow_hidden:
        server_args.append("--ContentsManager.allow_hidden=True")
    print(
        f"lab-harness: http://{args.ip}:{args.port}/lab?token={token}",
        flush=True,
    )
    HarnessApp.launch_instance(argv=server_args + extra)


if __name__ == "__main__":
    main(sys.argv[1:])
