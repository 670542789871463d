"""The web view's pages as data: the alignment tree, a team, a person, an objective, a KR.

A third reader beside the commands and the moments, below neither: the web
adapter (`bot/web`) asks these modules for a page's data and draws it. Every
read is scoped to the viewer's workspace (an id of another workspace is simply
not found), goes through the storage repositories, and takes a fixed handful
of queries however large the company (`tree` reads a cycle whole, never a
query per node).

- `viewer`: who is looking, in which language, and the cycle they look at;
- `tree`: the cycle's alignment tree, filtered by team, person or title;
- `team`, `person`, `okr`: the pages of a team, a person, an objective, a KR.
"""
