"""The `delete` command (not built yet)."""

import argparse

from tui.commands._pending import not_built


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    return not_built("delete")
