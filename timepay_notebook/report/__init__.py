"""HTML reports: a shipped notebook run in a kernel and rendered without code or CDN scripts.

- `render`: executing the report notebook with parameters and turning it into HTML.
- `header`: the report's title, and the banner of a report on sandbox data.
- `compare`: period over period, the KPIs against the same-length window just before.
- `batch`: one report per campaign (or agent) and an index page.
- `tables`: large tables as interactive (itables, offline), small ones static.
- `commentary`: the plain-language findings the report writes from the numbers.
- `templates/`: the nbconvert template.
"""

from .render import render_report

__all__ = ["render_report"]
