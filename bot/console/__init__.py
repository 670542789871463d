"""The terminal trial: the same commands, views and moments as in chat, typed in a terminal.

`repl.py` reads lines and console commands (`:time`, `:as`, ...), `render.py`
draws views as text, `sender.py` prints what the outbox would post, and
`demo.py` seeds the demo company the trial opens on. Only the trial and the
tests use the demo.
"""
