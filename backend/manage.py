#!/usr/bin/env python
"""Django's command-line entry point for the backend."""

import os
import sys
from pathlib import Path


def main() -> None:
    # The repository root holds shared packages (e.g. training/) that later apps import.
    repo_root = Path(__file__).resolve().parent.parent
    if str(repo_root) not in sys.path:
        sys.path.insert(1, str(repo_root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
