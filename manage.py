#!/usr/bin/env python
"""Django's command-line entry point.

With no configuration of its own (no SECRET_KEY, DATABASE_URL or `.env`) beside a demo
started by `make run`, it uses the demo's settings and database (see config/demo_env.py).
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from config.demo_env import use_demo_settings_if_unconfigured

    use_demo_settings_if_unconfigured(os.environ)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
