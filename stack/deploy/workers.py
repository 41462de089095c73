"""The QGIS FastCGI workers inside a qgis-server container (the image has no procps)."""

from __future__ import annotations

from docker.models.containers import Container

# Lists pids running the FastCGI binary (its name is the first word of their command line;
# the supervisors' command lines name it further on); python3 is in the image.
_LIST_WORKERS = (
    "import os\n"
    "for pid in filter(str.isdigit, os.listdir('/proc')):\n"
    "    try:\n"
    "        cmd = open(f'/proc/{pid}/cmdline', 'rb').read()\n"
    "    except OSError:\n"
    "        continue\n"
    "    if cmd.split(b'\\0', 1)[0].endswith(b'qgis_mapserv.fcgi'):\n"
    "        print(pid)\n"
)


def worker_pids(container: Container) -> set[int]:
    result = container.exec_run(["python3", "-c", _LIST_WORKERS])
    if result.exit_code != 0:
        raise RuntimeError(f"cannot list workers: {result.output.decode(errors='replace')}")
    return {int(line) for line in result.output.decode().split()}


def send_signal(container: Container, pid: int, signal: str) -> None:
    """`kill` is a bash builtin here: the image has no procps."""
    result = container.exec_run(["bash", "-c", f"kill -{signal} {pid}"])
    if result.exit_code != 0:
        raise RuntimeError(f"cannot send {signal} to {pid}: {result.output.decode(errors='replace')}")
