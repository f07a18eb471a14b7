"""A `day` facet: an ISO date or timestamp grouped by the day it states.

Datasette's `date` facet groups by SQLite's `date(column)`, which converts a timestamp with an
offset to UTC: `2024-03-12T00:30:00+03:00`, published just after midnight in Moscow, would count
as 11 March. The day a page states is the first ten characters of its ISO date, so that is what
this facet groups by, and choosing a value filters with Datasette's own `column__startswith`.
Values that do not start with a full `YYYY-MM-DD` (a year alone, a month) are left out of it.
"""

from __future__ import annotations

from typing import Any

from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args

_DAY_GLOB = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*"


class DayFacet(Facet):
    type = "day"

    async def suggest(self) -> list[dict[str, Any]]:
        return []  # only where the metadata asks for it

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        results: list[dict[str, Any]] = []
        timed_out: list[str] = []
        args = dict(self.get_querystring_pairs())
        size = self.get_facet_size()
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            column = config.get("column") or config["simple"]
            col = escape_sqlite(column)
            sql = (
                f"select substr({col}, 1, 10) as value, count(*) as count "
                f"from ({self.sql}) where {col} glob '{_DAY_GLOB}' "
                f"group by value order by count desc, value desc limit {size + 1}"
            )
            try:
                rows = await self.ds.execute(
                    self.database,
                    sql,
                    self.params,
                    truncate=False,
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"),
                )
            except QueryInterrupted:
                timed_out.append(column)
                continue
            key = f"{column}__startswith"
            values = []
            for value, count in [tuple(row) for row in rows.rows[:size]]:
                selected = args.get(key) == value
                path = (
                    path_with_removed_args(self.request, {key: value})
                    if selected
                    else path_with_added_args(self.request, {key: value})
                )
                values.append(
                    {
                        "value": value,
                        "label": value,
                        "count": count,
                        "toggle_url": self.ds.absolute_url(self.request, path),
                        "selected": selected,
                    }
                )
            results.append(
                {
                    "name": column,
                    "type": self.type,
                    "results": values,
                    "hideable": source_and_config["source"] != "metadata",
                    "toggle_url": path_with_removed_args(self.request, {"_facet_day": column}),
                    "truncated": len(rows.rows) > size,
                }
            )
        return results, timed_out
