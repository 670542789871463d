"""Bringing OKRs in and taking everything out: the rules, on neutral rows and tables.

Files are read and written in `bot/transfer`; here are the layout both sides
share (`layout`), the import's validation and decisions (`importing`), what an
export holds (`exporting`) and what forgetting a person or a workspace means
(`forgetting`).
"""
