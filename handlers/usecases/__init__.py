"""Use cases: one module per area, each a function of (ctx, parsed command) -> Outcome."""
