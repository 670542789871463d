"""The moments: what okrbot sends when the clock moves, not when someone types.

- `ticker`: the clock path (tick, trigger, run_due) behind `OkrApp`;
- `planner`: the registry of moments and which of them fell due in a window;
- `base`: `MomentJob`, what every moment shares (team, zone, week, calendar,
  the tick's data), and `Moment`, when a moment falls and what builds it;
- `data`: `TickData`, the reads shared by every team due in one tick (over
  `handlers.reports`, a team's week and month as data);
- one module per kind of moment: `planning` (Monday prompts), `checkins`
  (Friday prompts and the reminder), `digest` (the Friday digest), `nudges`,
  `review` (the monthly review) and `scoring` (the prompts of the cycle's end);
- `followups`: what a check-in changes in messages already sent;
- `collector`: keeps Python's cyclic collector out of a tick's build.
"""
