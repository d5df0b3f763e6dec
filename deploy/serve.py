"""The production set-up in one command: gunicorn (deploy/gunicorn_conf.py, gthread workers)
on a Unix socket, behind nginx (deploy/nginx.conf) serving ``--bind``, and ``studyapp worker``,
which runs the background jobs (imports, followed series).

    .venv/bin/python deploy/serve.py --bind 0.0.0.0:8000 [--workers N] [--threads N]

Settings come from the environment as for the app (DATABASE_URL, SECRET_KEY,
RATELIMIT_STORAGE_URI, STUDYAPP_*). ``STUDYAPP_TRUSTED_PROXIES`` counts the proxies in front
of this nginx (0 when browsers reach it directly); the app is told one more, this nginx, so
that it reads the client's address from it. Runs in the foreground until SIGTERM or SIGINT
(then both stop gracefully) or until either server dies (then the other is stopped and the
exit status is 1). Nothing is written outside the run directory (a fresh temporary one unless
``--run-dir`` is given), which holds the filled-in nginx.conf, the socket and nginx's
temporary files.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def main(argv: list[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    nginx = options.nginx or shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if nginx is None:
        print("serve: nginx is not installed (apt-get install nginx)", file=sys.stderr)
        return 2
    made = options.run_dir is None
    run = Path(options.run_dir or tempfile.mkdtemp(prefix="studyapp-serve-")).resolve()
    run.mkdir(parents=True, exist_ok=True)
    try:
        return _serve(options, nginx, run)
    finally:
        if made:
            shutil.rmtree(run, ignore_errors=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--bind", default="0.0.0.0:8000", help="where nginx listens")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="gunicorn worker processes (default 1; more need RATELIMIT_STORAGE_URI in Redis)",
    )
    parser.add_argument("--threads", type=int, default=None, help="threads per worker (8)")
    parser.add_argument(
        "--job-workers",
        type=int,
        default=2,
        help="jobs run at the same time by the job worker (2); 0: no job worker here",
    )
    parser.add_argument("--run-dir", default=None, help="socket, pid and temporary files")
    parser.add_argument("--nginx", default=None, help="the nginx binary (found on PATH)")
    return parser


def _serve(options: argparse.Namespace, nginx: str, run: Path) -> int:
    socket_path = run / "gunicorn.sock"
    socket_path.unlink(missing_ok=True)
    env = dict(os.environ)
    env["STUDYAPP_TRUSTED_PROXIES"] = str(_trusted_proxies(env) + 1)
    command = [sys.executable, "-m", "gunicorn", "-c", str(HERE / "gunicorn_conf.py")]
    # gunicorn's control socket would go to ~/.gunicorn, shared by every gunicorn of the user.
    command += ["--bind", f"unix:{socket_path}", "--control-socket", str(run / "gunicorn.ctl")]
    if options.workers is not None:
        command += ["--workers", str(options.workers)]
    if options.threads is not None:
        command += ["--threads", str(options.threads)]
    children: list[subprocess.Popen[bytes]] = []
    stopping = False

    def stop(_signum: int = 0, _frame: FrameType | None = None) -> None:
        nonlocal stopping
        stopping = True
        # gunicorn, nginx and the job worker each stop gracefully on their own signal.
        graceful_signals = (signal.SIGTERM, signal.SIGQUIT, signal.SIGINT)
        for child, graceful in zip(children, graceful_signals, strict=False):
            if child.poll() is None:
                child.send_signal(graceful)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        children.append(subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL))
        # gunicorn binds its socket before it starts any worker; nginx needs it to exist.
        while not socket_path.exists():
            if children[0].poll() is not None or stopping:
                return 1
            time.sleep(0.05)
        config = run / "nginx.conf"
        config.write_text(_nginx_conf(options.bind, run), encoding="utf-8")
        children.append(
            subprocess.Popen(
                [nginx, "-p", str(run), "-e", "stderr", "-c", str(config)],
                stdin=subprocess.DEVNULL,
            )
        )
        if options.job_workers > 0:
            studyapp = Path(sys.executable).parent / "studyapp"
            worker = [str(studyapp), "worker", "--workers", str(options.job_workers)]
            children.append(subprocess.Popen(worker, cwd=ROOT, env=env, stdin=subprocess.DEVNULL))
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.2)
        failed = not stopping
        stop()
        for child in children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        return 1 if failed else 0
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()


def _trusted_proxies(env: dict[str, str]) -> int:
    value = env.get("STUDYAPP_TRUSTED_PROXIES", "0")
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = value
    proxies = int(parsed)
    if proxies < 0:
        raise SystemExit(f"STUDYAPP_TRUSTED_PROXIES = {value!r} is not a count of proxies")
    return proxies


def _nginx_conf(bind: str, run: Path) -> str:
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
    text = (HERE / "nginx.conf").read_text(encoding="utf-8")
    return text.replace("@USER@", user).replace("@RUN@", str(run)).replace("@LISTEN@", bind)


if __name__ == "__main__":
    sys.exit(main())
