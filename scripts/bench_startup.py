"""CPU spent by each `ibok` command before its own work: `--help` of every command, median of N runs."""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

TARGET_S = 0.3
IBOK = str(Path(sys.executable).with_name("ibok"))


def commands() -> list[list[str]]:
    """The root, every command, and every subcommand of a group (as `ibok` lists them)."""
    from click import Context, Group

    from config.cli import LAZY_COMMANDS, ibok

    found: list[list[str]] = [[]]
    ctx = Context(ibok)
    for name in sorted(LAZY_COMMANDS):
        command = ibok.get_command(ctx, name)
        found.append([name])
        if isinstance(command, Group):
            found.extend([name, sub] for sub in command.list_commands(Context(command)))
    return found


def cpu_of(args: list[str]) -> float:
    """User + system CPU seconds of one `ibok ... --help` run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([IBOK, *args, "--help"], check=True, capture_output=True,
                   env={**os.environ, "IBOK_LOG_LEVEL": "WARNING"})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench-startup", description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args(argv).runs
    print(f"ibok start-up, median CPU of {runs} runs (user + system), target {TARGET_S} s")
    over = 0
    for args in commands():
        median = statistics.median(cpu_of(args) for _ in range(runs))
        over += median > TARGET_S
        name = " ".join(["ibok", *args]) or "ibok"
        print(f"  {name:<36} {median:6.3f} s  {'over' if median > TARGET_S else 'ok'}")
    print(f"{over} command(s) over {TARGET_S} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
