"""The live explorer: ipywidgets filter controls that re-query the API as an analyst narrows
things down (`tp.filter_panel(...)`).

- `panel`: `LogExplorer` and `filter_panel`, wiring controls, queries and the view together.
- `controls`: the filter widgets and the filters they stand for.
- `runner`: runs the latest query in a worker thread, dropping superseded ones.
- `render`: a result as HTML, a table and a chart (pure).
- `view`: the output area that shows a rendered result.
"""

from .panel import LogExplorer, filter_panel

__all__ = ["LogExplorer", "filter_panel"]
