"""`python -m bot`, the same as the `okrbot` command."""

from bot.cli import main

raise SystemExit(main())
