"""Reference for the folder conformance tests: what each Azure ML SDK uploads.

Usage: /usr/bin/python3 sdk_reference.py CASES.json
       /usr/bin/python3 sdk_reference.py --versions

CASES.json is {"azureAiMl": "<folder holding the azure package>",
"cases": [{"root": "/absolute/folder", "sdk": "v1" | "v2"}]}.
Prints JSON, one entry per case:
  {"files": [[relative path, bytes], ...],   the upload list, sorted
   "uploadBytes": n,                         bytes of the upload list
   "totalBytes": n,                          what the size limit is checked on
   "failure": null | {"kind", "path", "message"},  where the SDK would stop
   "unreadable": [relative path, ...]}       (v1) left out, still counted

Written from azureml-core 1.50.0 and azure-ai-ml's source, not from our
engine. Files read (copies of the released packages found with the search
tools):
  v1  azureml/_project/ignore_file.py, azureml/_base_sdk_common/merkle_tree.py,
      azureml/_file_utils/file_utils.py (get_directory_size, get_path_size),
      azureml/_restclient/snapshots_client.py (create_snapshot)
      -- SepidehHosseinian/Python-Essentials-for-MLOps, venv/lib/python3.7/
      site-packages, commits 05c83b8150e99d5aa079da3668172ac23d13ad87 and
      745407895773ed0ea970e52fcd1e3c975033d157 (_version.py: 1.50.0).
  v2  sdk/ml/azure-ai-ml/azure/ai/ml/_utils/_asset_utils.py (IgnoreFile,
      traverse_directory, upload_directory, _get_file_list_content_hash) in
      Azure/azure-sdk-for-python (stored versions at 00117027544e8aa9 and
      3e0c372255eb54af read, plus a later one with the per-file last-match
      loop and line.rstrip() that the index gives no commit for). The
      python3-azure snapshot (1.4.0) still has the set-ordered first-match
      loop, so its IgnoreFile is not called: only its _pathspec.py is used.
      The ignore file is read with DefaultOpenEncoding.READ = "utf-8-sig"
      since pull request 30714 (June 2023: "all reads use utf-8-sig").
Each SDK is modelled running as the notebook does: absolute folder path,
working directory = that folder, UTF-8 locale.
"""

import errno
import importlib.util
import json
import os
import stat
import sys
import warnings

import pathspec

AML = ".amlignore"
GIT = ".gitignore"


class Stop(Exception):
    """The SDK raises here: the submission fails."""

    def __init__(self, kind, path, message):
        super().__init__(message)
        self.kind = kind
        self.path = path
        self.message = message


def ignore_file_of(root):
    """Both SDKs: .amlignore if it exists, else .gitignore, else none (never merged)."""
    aml, git = os.path.join(root, AML), os.path.join(root, GIT)
    if os.path.exists(aml):
        return aml
    if os.path.exists(git):
        return git
    return None


def rel(root, path):
    return os.path.relpath(path, root).replace(os.sep, "/")


def kind_of(path):
    try:
        st = os.lstat(path)
    except OSError:
        return "missing"
    if stat.S_ISLNK(st.st_mode):
        try:
            os.stat(path)
        except OSError as e:
            return "link-loop" if e.errno == errno.ELOOP else "dangling-link"
        return "link"
    if stat.S_ISFIFO(st.st_mode):
        return "fifo"
    if stat.S_ISSOCK(st.st_mode):
        return "socket"
    return "file"


# ---------------------------------------------------------------- v1 ------


def v1_spec(ignore):
    """ignore_file.py: open(path, 'r') (UTF-8 locale), every line with its
    newline to PathSpec.from_lines('gitwildmatch', fh). A BOM stays in line 1."""
    with open(ignore, "r", encoding="utf-8") as fh:
        return pathspec.PathSpec.from_lines("gitwildmatch", fh)


class V1Excluder:
    """IgnoreFile.is_file_excluded; the spec is built on first use, so an
    invalid line stops the size check, which runs first."""

    def __init__(self, root):
        self.root = root
        self.ignore = ignore_file_of(root)
        self.spec = None

    def __call__(self, path):
        if self.ignore is None:
            return False
        if self.spec is None:
            try:
                self.spec = v1_spec(self.ignore)
            except UnicodeDecodeError as e:
                raise Stop("ignore-file", rel(self.root, self.ignore), f"cannot be decoded as UTF-8: {e}")
            except Exception as e:  # GitWildMatchPatternError and friends
                raise Stop("invalid-pattern", rel(self.root, self.ignore), f"{type(e).__name__}: {e}")
        path = os.path.normpath(path)
        return self.spec.match_file(os.path.relpath(path, os.path.dirname(self.ignore)))


def v1_size_check(root, excluded):
    """file_utils.get_directory_size: os.walk without following folder links
    (unreadable folders are skipped silently), every file name matched on its
    own, os.path.getsize follows a file link. The SDK stops adding once past
    the limit; the full sum is what the verdict needs."""
    total = 0
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            full = os.path.normpath(os.path.join(dirpath, name))
            if excluded(full):
                continue
            try:
                total += os.path.getsize(full)
            except OSError as e:
                raise Stop(kind_of(full), rel(root, full), f"os.path.getsize failed: {e.strerror}")
    return total


def v1_merkle_walk(root, excluded):
    """merkle_tree._create_merkletree_helper: sorted listdir, every entry
    matched by its path (a folder without a trailing slash), an excluded entry
    skipped and an excluded folder never entered; os.path.isfile (following
    links) decides, anything else is listed as a folder."""
    files, unreadable = [], []

    def helper(folder, chain):
        try:
            names = sorted(os.listdir(folder))
        except OSError as e:
            raise Stop(kind_of(folder), rel(root, folder), f"os.listdir failed: {e.strerror}")
        for name in names:
            path = os.path.normpath(os.path.join(folder, name))
            if excluded(path):
                continue
            if os.path.isfile(os.path.join(folder, name)):
                # _get_hash: os.access(R_OK) false -> "Cannot access file, so
                # excluded from snapshot"; the size check still counted it.
                if not os.access(path, os.R_OK):
                    unreadable.append(rel(root, path))
                    continue
                files.append((rel(root, path), os.path.getsize(path)))
                continue
            try:
                os.path.getmtime(path)  # the Directory node's timestamp
            except OSError as e:
                raise Stop(kind_of(path), rel(root, path), f"os.path.getmtime failed: {e.strerror}")
            real = os.path.realpath(path)
            if real in chain:
                # The SDK recurses into path/name/name/... until the kernel
                # refuses (ELOOP or a name too long): it always fails.
                raise Stop("link-loop", rel(root, path), "a link leads back to a folder above it")
            if not os.path.isdir(path):
                raise Stop(kind_of(path), rel(root, path), "os.listdir failed: Not a directory")
            helper(path, chain | {real})

    helper(root, frozenset([os.path.realpath(root)]))
    return files, unreadable


def run_v1(root):
    excluded = V1Excluder(root)
    total = v1_size_check(root, excluded)
    files, unreadable = v1_merkle_walk(root, excluded)
    return files, total, unreadable


# ---------------------------------------------------------------- v2 ------


def load_vendored(site):
    """azure/ai/ml/_utils/_pathspec.py from python3-azure, loaded on its own."""
    path = os.path.join(site, "azure", "ai", "ml", "_utils", "_pathspec.py")
    spec = importlib.util.spec_from_file_location("azure_ai_ml_pathspec", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def v2_patterns(ignore, vendored):
    """_asset_utils.IgnoreFile._get_ignore_list/_create_pathspec as on main:
    read with utf-8-sig (a BOM is dropped), each line right-stripped, one
    vendored GitWildMatchPattern per line."""
    with open(ignore, "r", encoding="utf-8-sig") as fh:
        lines = [line.rstrip() for line in fh if line]
    return [vendored.GitWildMatchPattern(line) for line in lines]


def v2_decide(patterns, vendored, relative):
    """IgnoreFile.is_file_excluded: the last pattern that matches decides.
    Returns (excluded, index of that pattern or -1)."""
    norm = vendored.normalize_file(relative)
    matched, at = False, -1
    for i, pattern in enumerate(patterns):
        if pattern.include is not None and pattern.match_file(norm) is not None:
            matched, at = pattern.include, i
    return matched, at


class V2Excluder:
    """_asset_utils.IgnoreFile as on main: lines read with utf-8-sig and
    right-stripped, one vendored GitWildMatchPattern each, and for one path
    the last pattern that matches decides."""

    def __init__(self, root, vendored):
        self.root = root
        self.vendored = vendored
        ignore = ignore_file_of(root)
        # IgnoreFile resolves its own path; relative paths are taken from there.
        self.ignore = os.path.realpath(ignore) if ignore else None
        self.patterns = None

    def __call__(self, path):
        if self.ignore is None:
            return False
        if self.patterns is None:
            try:
                self.patterns = v2_patterns(self.ignore, self.vendored)
            except UnicodeDecodeError as e:
                raise Stop("ignore-file", rel(self.root, self.ignore), f"cannot be decoded as UTF-8: {e}")
            except Exception as e:
                raise Stop("invalid-pattern", rel(self.root, self.ignore), f"{type(e).__name__}: {e}")
        if not self.patterns:
            return False
        relative = os.path.relpath(os.path.abspath(path), os.path.dirname(self.ignore))
        return v2_decide(self.patterns, self.vendored, relative)[0]


def v2_traverse(root, names, source, excluded, cwd):
    """traverse_directory: names not excluded; a link listed among the files
    is replaced by its target, read relative to the working directory.
    Yields (path to read, path in the snapshot, path as listed)."""
    paths = [os.path.join(root, n) for n in names if not excluded(os.path.join(root, n))]
    out = {p: (None, p) for p in paths}
    for path in paths:
        if os.path.islink(path):
            try:
                os.stat(path)
            except OSError as e:
                if e.errno == errno.ELOOP:
                    # os.walk lists the last link of a loop as a file once
                    # the kernel refuses to follow more links; reading it
                    # (getsize, then open) fails the same way.
                    raise Stop("link-loop", loop_link(source, path), "a link leads back to a folder above it")
            target = os.path.join(cwd, os.readlink(path))
            if os.path.isdir(target):
                # Only reached when the target, read from the working
                # directory, differs from where the link really points.
                raise Stop("link", rel(source, path), "link to a folder resolved from the working directory")
            out[target] = (path[len(root) + 1 :], path)
            del out[path]
    dir_part = os.path.relpath(root, source)
    dir_part = "" if dir_part == "." else dir_part.replace(os.sep, "/") + "/"
    return [(src, dir_part + (name if name else src[len(root) + 1 :]), listed)
            for src, (name, listed) in out.items()]


def loop_link(source, path):
    """The first link of a loop on `path`: the one that leads back above itself."""
    parts = rel(source, path).split("/")
    seen = [os.path.realpath(source)]
    for i in range(1, len(parts) + 1):
        prefix = os.path.join(source, *parts[:i])
        try:
            real = os.path.realpath(prefix, strict=True)
        except OSError:
            return "/".join(parts[:i])
        if real in seen:
            return "/".join(parts[:i])
        seen.append(real)
    return rel(source, path)


def run_v2(root, vendored):
    source = os.path.realpath(root)
    excluded = V2Excluder(source, vendored)
    uploads = []
    # upload_directory: os.walk(followlinks=True); unreadable folders are
    # skipped silently.
    for folder, _dirs, names in os.walk(source, followlinks=True):
        uploads += v2_traverse(folder, names, source, excluded, source)
    files = []
    for src, blob, listed in uploads:
        try:
            size = os.path.getsize(os.readlink(src) if os.path.islink(src) else src)
        except OSError as e:
            raise Stop(kind_of(listed), blob, f"os.path.getsize failed: {e.strerror}")
        kind = kind_of(src)
        if kind in ("fifo", "socket"):
            # upload_file opens it: a FIFO blocks forever, a socket fails.
            raise Stop(kind, blob, f"open() of a {kind} never uploads")
        if not os.access(src, os.R_OK):
            raise Stop("unreadable", blob, "open() failed: Permission denied")
        files.append((blob, size))
    return files, None, []


# ----------------------------------------------------------------------------


def run_case(case, vendored):
    root = case["root"]
    try:
        if case["sdk"] == "v1":
            files, total, unreadable = run_v1(root)
        else:
            files, total, unreadable = run_v2(root, vendored)
    except Stop as s:
        return {"files": [], "uploadBytes": 0, "totalBytes": 0, "unreadable": [],
                "failure": {"kind": s.kind, "path": s.path, "message": s.message}}
    files.sort()
    upload = sum(size for _, size in files)
    return {"files": files, "uploadBytes": upload,
            "totalBytes": upload if total is None else total,
            "unreadable": sorted(unreadable), "failure": None}


def main():
    warnings.simplefilter("ignore")
    if sys.argv[1] == "--versions":
        print(json.dumps({"pathspec": pathspec.__version__}))
        return
    with open(sys.argv[1], encoding="utf-8") as fh:
        job = json.load(fh)
    vendored = load_vendored(job["azureAiMl"]) if job.get("azureAiMl") else None
    out = []
    for case in job["cases"]:
        # The SDK runs in the notebook's folder: v2 reads link targets from there.
        os.chdir(case["root"])
        out.append(run_case(case, vendored))
    json.dump({"pathspec": pathspec.__version__, "cases": out}, sys.stdout)


if __name__ == "__main__":
    main()
