"""A class on a real JupyterHub: two students pull the course with nbgitpuller, one edits, the course updates.

Started as JupyterHub's own tests start it: jupyterhub from PyPI with its proxy,
configurable-http-proxy from npm, the DummyAuthenticator (one shared password)
and SimpleLocalProcessSpawner (each student a local process with a home folder
of their own), everything on 127.0.0.1. The course is a git repository this
test makes from ``student/``, pulled through nbgitpuller's API as the links of
`make hub-link` pull it. `make class-test` installs the tools into .venv-class.
Skipped (with the reason) only where node/npm is missing.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
import pytest

from tools import handouts, links

ROOT = Path(__file__).resolve().parents[1]
CLASS_VENV = Path(os.environ.get("NNLESSONS_CLASS_VENV", ROOT / ".venv-class"))
CLASS_BIN = CLASS_VENV / "bin"
PASSWORD = "class-test-password"
STUDENTS = ("alice", "bob")

def _proxy_command():
    """configurable-http-proxy: the one `make class-test` installs beside the venv, else one on PATH."""
    local = CLASS_VENV / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
    if local.exists():
        return str(local)
    found = shutil.which("configurable-http-proxy")
    if found:
        return found
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("node/npm is missing, so JupyterHub's proxy (configurable-http-proxy, an npm package) "
                    "cannot be installed: apt-get install nodejs npm, then make class-test")
    pytest.fail(f"configurable-http-proxy is not installed: `make class-test` installs it into {CLASS_VENV}/node")


def _need_hub():
    if not (CLASS_BIN / "jupyterhub").exists():
        reason = f"jupyterhub is not installed in {CLASS_VENV}: `make class-test` installs it"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _git(*args, cwd):
    subprocess.run(["git", "-c", "user.name=Instructor", "-c", "user.email=instructor@example.org",
                    "-c", "init.defaultBranch=main", *args], cwd=cwd, check=True, capture_output=True)


class Hub:
    """A running JupyterHub; every request goes through its proxy, as a browser's would."""

    def __init__(self, folder, proxy):
        self.folder, self.port = folder, _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = folder / "jupyterhub_config.py"
        config.write_text("\n".join([
            "c = get_config()  # noqa",
            f"c.JupyterHub.bind_url = {self.url + '/'!r}",
            f"c.JupyterHub.hub_bind_url = 'http://127.0.0.1:{_free_port()}'",
            f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{_free_port()}'",
            f"c.ConfigurableHTTPProxy.command = [{proxy!r}]",
            f"c.JupyterHub.db_url = 'sqlite:///{folder / 'jupyterhub.sqlite'}'",
            f"c.JupyterHub.cookie_secret_file = {str(folder / 'cookie_secret')!r}",
            f"c.JupyterHub.pid_file = {str(folder / 'jupyterhub.pid')!r}",
            "c.JupyterHub.authenticator_class = 'dummy'",
            f"c.DummyAuthenticator.password = {PASSWORD!r}",
            f"c.Authenticator.allowed_users = {set(STUDENTS)!r}",
            "c.JupyterHub.spawner_class = 'simple'",
            f"c.SimpleLocalProcessSpawner.home_dir_template = {str(folder / 'home' / '{username}')!r}",
            f"c.Spawner.cmd = [{str(CLASS_BIN / 'jupyterhub-singleuser')!r}]",
            # Jupyter refuses to run as root without this; CI runs as root.
            "c.Spawner.args = ['--ServerApp.allow_root=True']",
            "c.Spawner.start_timeout = 180",
            "c.Spawner.http_timeout = 180",
            "c.JupyterHub.cleanup_servers = True",
        ]) + "\n")
        env = dict(os.environ, PATH=f"{CLASS_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
        env.pop("JUPYTERHUB_API_TOKEN", None)
        self.log = (folder / "jupyterhub.log").open("w")
        # A session of its own, so the hub, its proxy and the students' servers stop together.
        self.process = subprocess.Popen([str(CLASS_BIN / "jupyterhub"), "-f", str(config)], cwd=folder,
                                        env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait(lambda: self.request("GET", "/hub/api")[0] == 200, 120, "the hub to answer")

    def _wait(self, ready, seconds, what):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"jupyterhub exited with {self.process.returncode}:\n{self.tail()}")
            try:
                if ready():
                    return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.5)
        pytest.fail(f"timed out after {seconds} s waiting for {what}:\n{self.tail()}")

    def tail(self):
        self.log.flush()
        return (self.folder / "jupyterhub.log").read_text()[-4000:]

    def request(self, method, path, token=None, body=None, timeout=120):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if token:
            req.add_header("Authorization", f"token {token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def log_in(self, name):
        """A token for ``name``, asked for with the student's password through the REST API."""
        status, text = self.request("POST", f"/hub/api/users/{name}/tokens",
                                    body={"auth": {"username": name, "password": PASSWORD}, "note": "class test"})
        assert status in (200, 201), f"logging in {name}: {status} {text}\n{self.tail()}"
        return json.loads(text)["token"]

    def start_server(self, name, token):
        status, text = self.request("POST", f"/hub/api/users/{name}/server", token=token)
        assert status in (201, 202), f"starting {name}'s server: {status} {text}\n{self.tail()}"

        def ready():
            status, text = self.request("GET", f"/hub/api/users/{name}", token=token)
            return status == 200 and json.loads(text).get("servers", {}).get("", {}).get("ready")

        self._wait(ready, 180, f"{name}'s server")

    def pull(self, name, token, repo, branch="main", target="course"):
        """nbgitpuller's API, as the page a hub link opens calls it; the progress events it sent."""
        query = urllib.parse.urlencode({"repo": repo, "branch": branch, "targetpath": target})
        status, text = self.request("GET", f"/user/{name}/git-pull/api?{query}", token=token, timeout=300)
        assert status == 200, f"git-pull for {name}: {status} {text}"
        events = [json.loads(line[len("data: "):]) for line in text.splitlines() if line.startswith("data: ")]
        assert events and events[-1].get("phase") == "finished", f"git-pull for {name} did not finish: {events}"
        return events

    def read(self, name, token, path):
        status, text = self.request("GET", f"/user/{name}/api/contents/{path}?content=1", token=token)
        assert status == 200, f"reading {path} as {name}: {status} {text}"
        return json.loads(text)["content"]

    def write(self, name, token, path, nb):
        body = {"type": "notebook", "format": "json", "content": nb}
        status, text = self.request("PUT", f"/user/{name}/api/contents/{path}", token=token, body=body)
        assert status in (200, 201), f"saving {path} as {name}: {status} {text}"

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.log.close()


def _exercise_source(nb):
    return next(c["source"] for c in nb["cells"] if handouts.EXERCISE_TAG in c["metadata"].get("tags", []))


@pytest.mark.classroom
def test_two_students_pull_the_course_one_edits_and_the_update_arrives(tmp_path):
    _need_hub()
    proxy = _proxy_command()
    if shutil.which("git") is None:
        pytest.fail("git is missing: nbgitpuller needs it")

    # The course as an instructor publishes it: the student versions in a git repository.
    course = tmp_path / "course.git"
    (course / "student").mkdir(parents=True)
    notebooks = handouts.series(ROOT / "student")
    first, second = notebooks[0].name, notebooks[1].name
    for path in notebooks:
        shutil.copy(path, course / "student" / path.name)
    _git("init", cwd=course)
    _git("add", ".", cwd=course)
    _git("commit", "-m", "the course", cwd=course)

    hub = Hub(tmp_path, proxy)
    try:
        tokens = {name: hub.log_in(name) for name in STUDENTS}
        for name in STUDENTS:
            hub.start_server(name, tokens[name])
            hub.pull(name, tokens[name], str(course))
        for name in STUDENTS:
            assert sorted(Path(p).name for p in (tmp_path / "home" / name / "course" / "student").iterdir()
                          if p.suffix == ".ipynb") == sorted(p.name for p in notebooks)

        # Alice answers the first exercise of notebook 1 and saves it, through the Jupyter server.
        edited = hub.read("alice", tokens["alice"], f"course/student/{first}")
        cell = next(c for c in edited["cells"] if handouts.EXERCISE_TAG in c["metadata"].get("tags", []))
        answer = "def mse_cost(w, b, x, y):\n    return np.mean((w * x + b - y) ** 2)  # alice's answer\n\ncheck.mse_cost(mse_cost)"
        assert cell["source"].startswith("def mse_cost(")
        cell["source"] = answer
        hub.write("alice", tokens["alice"], f"course/student/{first}", edited)

        # A new course version: notebook 2 gains a cell, and a notebook is added.
        update = nbformat.read(course / "student" / second, as_version=4)
        update.cells.insert(1, nbformat.v4.new_markdown_cell("**Course update:** read section 3 again."))
        nbformat.write(update, course / "student" / second)
        added = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 99 · Added later")])
        nbformat.write(added, course / "student" / "99_added_later.ipynb")
        _git("add", ".", cwd=course)
        _git("commit", "-m", "course update", cwd=course)

        events = hub.pull("alice", tokens["alice"], str(course))
        assert any("course update" in str(e.get("output", "")) or e.get("phase") == "syncing" for e in events)

        alice_first = hub.read("alice", tokens["alice"], f"course/student/{first}")
        assert _exercise_source(alice_first) == answer, "alice's answer was lost by the pull"
        alice_second = hub.read("alice", tokens["alice"], f"course/student/{second}")
        assert "**Course update:**" in alice_second["cells"][1]["source"], "the update did not arrive"
        assert hub.read("alice", tokens["alice"], "course/student/99_added_later.ipynb")["cells"]

        # Bob's files: untouched by alice's edit and by her pull (he has not pulled again).
        bob = tmp_path / "home" / "bob" / "course" / "student"
        assert (bob / first).read_bytes() == notebooks[0].read_bytes()
        assert (bob / second).read_bytes() == notebooks[1].read_bytes()
        assert not (bob / "99_added_later.ipynb").exists()
        assert "alice's answer" not in json.dumps(hub.read("bob", tokens["bob"], f"course/student/{first}"))
        # ... and a student cannot read another's files.
        status, _ = hub.request("GET", f"/user/alice/api/contents/course/student/{first}", token=tokens["bob"])
        assert status in (403, 404), f"bob read alice's notebook: {status}"

        # When bob pulls, he gets the update too.
        hub.pull("bob", tokens["bob"], str(course))
        assert "**Course update:**" in hub.read("bob", tokens["bob"], f"course/student/{second}")["cells"][1]["source"]
        assert (bob / first).read_bytes() == notebooks[0].read_bytes()
    finally:
        hub.stop()


def test_hub_links_open_every_student_notebook():
    hub = "https://hub.example.edu/"
    lines = links.hub_links(hub, branch="main")
    notebooks = handouts.series(ROOT / "student")
    assert len(lines) == len(notebooks)
    repo_url = f"https://github.com/{links.repository()}"
    for (name, url), path in zip(lines, notebooks):
        assert name == path.name
        parts = urllib.parse.urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://hub.example.edu/hub/user-redirect/git-pull"
        query = dict(urllib.parse.parse_qsl(parts.query))
        target = links.repository().split("/")[1]
        assert query == {"repo": repo_url, "branch": "main", "targetpath": target,
                         "urlpath": f"lab/tree/{target}/student/{path.name}"}


def test_hub_link_command(capsys):
    assert links.main(["--hub", "https://hub.example.edu", "--branch", "course2026"]) == 0
    out = capsys.readouterr().out
    assert out.count("git-pull?") == len(handouts.series(ROOT / "student"))
    assert "branch=course2026" in out
    assert links.main(["--hub", "hub.example.edu"]) == 2  # not a URL
    assert "https://" in capsys.readouterr().err


def test_binder_environment_installs_the_package_and_nbgitpuller():
    requirements = (ROOT / "binder" / "requirements.txt").read_text()
    assert "nbgitpuller" in requirements
    post_build = (ROOT / "binder" / "postBuild").read_text()
    assert "pip install" in post_build and " ." in post_build
    assert os.access(ROOT / "binder" / "postBuild", os.X_OK), "repo2docker runs postBuild only when executable"


def test_a_missing_release_tag_is_reported(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "fork"\nversion = "1.2.3"\n'
                                             '[project.urls]\nRepository = "https://github.com/someone/fork"\n')
    assert links.missing_tag(tmp_path) is None  # not a git repository: nothing to compare with
    _git("init", cwd=tmp_path)
    _git("add", ".", cwd=tmp_path)
    _git("commit", "-m", "fork", cwd=tmp_path)
    warning = links.missing_tag(tmp_path)
    assert "v1.2.3" in warning and "someone/fork" in warning
    _git("tag", "v1.2.3", cwd=tmp_path)
    assert links.missing_tag(tmp_path) is None
    # A fork changes the two settings, and every link follows.
    assert links.colab_url("student/01_regression.ipynb", tmp_path).startswith(
        "https://colab.research.google.com/github/someone/fork/blob/v1.2.3/")
    assert links.install_line(tmp_path) == "!pip install -q git+https://github.com/someone/fork@v1.2.3"
    assert "repo=https%3A%2F%2Fgithub.com%2Fsomeone%2Ffork" in links.hub_url("https://hub.example.edu", "x", "main", tmp_path)
