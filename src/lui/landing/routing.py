"""Who a question of a wave file was asked of, from its routing in the codebook.

`seeds/codebook/question_routing.csv` says, per question, the nations it is asked in
(`England`; `Wales;Northern Ireland`) and a filter on an earlier answer (a column of the
wave file and the codes that route a respondent to the question). A question without a
row is asked of everyone. The gate judges answer rates among those asked, and a question
asked of no respondent of a file (a Scotland-only boost and an England-only question)
need not be in the file.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lui import codebook


def nations(table: pa.Table) -> np.ndarray:
    """Each respondent's nation, from the la_code column (empty when not known)."""
    lookup = {code: row["nation"] for code, row in codebook.local_authorities().items()}
    if "la_code" not in table.column_names:
        return np.full(table.num_rows, "", dtype=object)
    codes = table.column("la_code").cast(pa.string()).to_pylist()
    return np.array([lookup.get(code or "", "") for code in codes], dtype=object)


def asked(table: pa.Table, question: str, nation: np.ndarray | None = None) -> np.ndarray:
    """Whether each respondent of `table` was asked `question` (True for everyone when the
    question has no routing; a respondent of unknown nation counts as asked)."""
    route = codebook.routing().get(question)
    mask = np.ones(table.num_rows, dtype=bool)
    if route is None:
        return mask
    if route.nations is not None:
        nation = nations(table) if nation is None else nation
        mask &= np.isin(nation, [*route.nations, ""])
    if route.filter_column is not None:
        if route.filter_column not in table.column_names:
            return np.zeros(table.num_rows, dtype=bool)
        values = pc.cast(table.column(route.filter_column), pa.string())
        routed = pc.is_in(values, value_set=pa.array(sorted(route.filter_codes), pa.string()))
        mask &= pc.fill_null(routed, False).to_numpy(zero_copy_only=False)
    return mask
