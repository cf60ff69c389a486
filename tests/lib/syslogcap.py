"""Run a command and capture what it sends to syslog.

The socket is the test's own: when a syslog daemon owns /dev/log, ours is
bound over it in a mount namespace of the command's own (unshare), so the
daemon and every other process keep theirs; when nobody owns /dev/log, ours
is /dev/log itself for the command's lifetime, and other processes (another
suite running at the same time) may write to it too: only the lines carrying
the command's own pid are returned.
"""
import os
import socket
import subprocess
import tempfile
import threading


def run_capturing_syslog(argv, env, tmpdir, timeout=60):
    """Run argv; returns (rc, stdout text, stderr text, syslog lines)."""
    if os.path.exists("/dev/log"):
        path = os.path.join(tempfile.mkdtemp(dir=tmpdir), "log")
        argv = ["unshare", "-m", "sh", "-c",
                'mount --bind "$0" /dev/log && exec "$@"', path] + list(argv)
    else:
        path = "/dev/log"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    lines = []
    done = threading.Event()

    def reader():
        # read while it runs: a full socket buffer blocks syslog()
        sock.settimeout(0.2)
        while True:
            try:
                lines.append(sock.recv(65536).decode(errors="replace"))
            except socket.timeout:
                if done.is_set():
                    return
    t = threading.Thread(target=reader)
    t.start()
    try:
        # unshare and sh exec: the pid is the command's
        p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env)
        out, err = p.communicate(timeout=timeout)
    finally:
        done.set()
        t.join()
        sock.close()
        os.unlink(path)
    lines = [m for m in lines if f"[{p.pid}]:" in m]
    return p.returncode, out.decode(), err.decode(), lines
