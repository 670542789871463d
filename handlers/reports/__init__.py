"""Reports: a team's week, month and cycle, as data and as messages people read.

Read on demand by the commands (`/okr team`, `/okr team digest`, the score
queue) and on schedule by the moments (the Friday digest, the monthly review,
the cycle summary), so they sit below both and import neither.

- `teamweek`, `teammonth`: the data, loaded for one team or a thousand at once;
- `digest`: the rollup and the celebration digest; `charts`: the cycle's charts;
- `scores`: the manager's score queue and the cycle summary.
"""
