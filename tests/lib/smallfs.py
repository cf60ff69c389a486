"""smallfs - a tiny tmpfs for full-disk cases.

    with small_fs(path, size="256k", uid=5000, gid=5000, mode=0o770):
        fill(path)          # the file system is now full
        ...

Mounting needs root and a kernel that lets this process mount (a
container may not): small_fs raises Unavailable then, which a test turns
into a skip. The mount is always removed again, also when the test fails.
"""
import contextlib
import os
import subprocess


class Unavailable(Exception):
    """This machine cannot mount a tmpfs for us."""


@contextlib.contextmanager
def small_fs(path, size="256k", uid=0, gid=0, mode=0o755):
    if os.geteuid() != 0:
        raise Unavailable("not root: cannot mount a small tmpfs")
    os.makedirs(path, exist_ok=True)
    opts = f"size={size},mode={mode:o},uid={uid},gid={gid}"
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", opts,
                        "dormant-test", path], capture_output=True, timeout=30)
    if p.returncode != 0:
        raise Unavailable("cannot mount a tmpfs: "
                          + p.stderr.decode(errors="replace").strip())
    try:
        yield path
    finally:
        if subprocess.run(["umount", path], capture_output=True,
                          timeout=30).returncode != 0:
            subprocess.run(["umount", "-l", path], capture_output=True,
                           timeout=30)


def fill(path, name=".filler"):
    """Fill the file system holding PATH with one file; returns its path.
    Free it with free()."""
    filler = os.path.join(path, name)
    block = b"\0" * 4096
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(block)
        except OSError:
            pass
    return filler


def free(filler):
    os.unlink(filler)


def avail(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize
