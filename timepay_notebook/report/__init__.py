"""HTML reports: a shipped notebook run in a kernel and rendered without code or CDN scripts.

- `render`: executing the report notebook with parameters and turning it into HTML.
- `commentary`: the plain-language findings the report writes from the numbers.
- `templates/`: the nbconvert template.
"""

from .render import render_report

__all__ = ["render_report"]
