"""The product: OKR rules, the command grammar, use cases, the rhythm and messages.

Nothing here knows Slack or Feishu. Adapters in `bot/` translate platform
payloads into `handlers.events`, call `handlers.app.OkrApp`, and render the
`handlers.views` they get back. Two sides, one folder each:

- what happens when someone types: `dispatch` (the command path) parses with
  `grammar/` and routes to one use case of `usecases/`;
- what happens when the clock moves: `moments/` (the clock path in
  `moments.ticker`, one module per kind of moment over `moments.base`).

Both write their deliveries to the outbox through `deliveries`. Below them:
`reports/` (a team's week, month and cycle as data and messages, which both
sides show), `present` (how objectives, key results and tasks read), `okr/`
(pure OKR math, week and cycle arithmetic, working-day calendars) and `i18n/`
(the message catalogs).
"""
