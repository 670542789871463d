"""The product: OKR rules, the command grammar, use cases and messages.

Nothing here knows Slack or Feishu. Adapters in `bot/` translate platform
payloads into `handlers.events`, call `handlers.dispatch`, and render the
`handlers.views` they get back.
"""
