"""The process: settings, wiring, the CLI, the platform adapters, the scheduler and the sender.

- `slack/`, `feishu/`, `console/`: one adapter per place people talk to the
  bot; each `translate`s platform payloads into neutral events and `render`s
  neutral views into Block Kit, card JSON or terminal text. `console/` is the
  terminal trial, with its seeded demo company (`console/demo.py`).
- `wiring.py` builds everything once from `settings.py`; `run.py` is
  `okrbot run`; `cli.py` the `okrbot` command.
- `scheduler.py` ticks the rhythm (`OkrApp.tick`) while holding the lease;
  `outbox.py` sends what the product queued, within each platform's limits.
"""
