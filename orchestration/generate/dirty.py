"""Fault injection: rows that break the contract, of every class the loader must handle.

Why this exists: the contract promises that every row either loads or is quarantined with a
reason, and that the counts add up (loaded + quarantined = rows read). Testing that needs an
export whose faults are known row by row. ``inject`` overlays faults on the clean tables (the
clean data itself is the same with and without faults) and lists each one with its table,
class, 1-based data row number in the written file (header excluded), key and column.

At most one fault per row, so counts are exact. Classes (see ``FAULT_CLASSES``) follow the
contract's "What bad input gets": duplicate keys and type/domain breaks are quarantined,
orphans are kept (and warned about), so ``quarantined`` excludes them.

A column that receives unparseable timestamps is turned into text (in CSV it is text anyway;
in Parquet it is written as a string column) so the bad values survive.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from orchestration.contract import TABLES_BY_NAME

from .writer import as_text

FAULT_CLASSES = {
    "duplicate_key": "a later row repeats an earlier row's primary key (an exact copy); the loader keeps "
                     "the last one and quarantines the earlier one",
    "unparseable_timestamp": "a timestamp field holds text that is not a timestamp",
    "unknown_status": "status outside the contract's domain (orders, leads, tickets)",
    "orphan": "customer_id points to no customer; kept by the loader, counted by a relationship test",
    "negative_quantity": "order_items.quantity below zero",
    "response_before_opening": "first_response_at before opened_at (tickets) or created_at (leads)",
    "out_of_range_score": "csat_score outside 1-5 or nps_score outside 0-10",
}
KEPT_CLASSES = ("orphan",)

PLAN: dict[str, tuple[str, ...]] = {
    "customers": ("duplicate_key", "unparseable_timestamp"),
    "employees": ("duplicate_key",),
    "products": ("duplicate_key",),
    "leads": ("duplicate_key", "unparseable_timestamp", "unknown_status", "response_before_opening"),
    "orders": ("duplicate_key", "unparseable_timestamp", "unknown_status", "orphan"),
    "order_items": ("duplicate_key", "negative_quantity"),
    "tickets": ("duplicate_key", "unparseable_timestamp", "unknown_status", "response_before_opening", "orphan"),
    "surveys": ("duplicate_key", "unparseable_timestamp", "out_of_range_score", "orphan"),
    "documents": ("duplicate_key", "unparseable_timestamp"),
    "approvals": ("duplicate_key", "unparseable_timestamp"),
    "activities": ("duplicate_key", "unparseable_timestamp"),
    "sales_targets": ("duplicate_key",),
    "operating_expenses": ("duplicate_key",),
    "crm_costs": ("duplicate_key",),
    "crm_usage": ("duplicate_key",),
    "fx_rates": ("duplicate_key",),
}  # crm_rollout is left alone: one row per scope, and a broken go-live date breaks everything

BAD_TIMESTAMPS = np.array(["2024-13-45T25:61:00", "31/02/2024 10:00", "not a date", "2024-02-30T10:00:00",
                           "20240101T999999", "??.??.???? ??:??"], dtype=object)
UNKNOWN_STATUS = {"orders": ["shipped", "on_hold", "draft"], "leads": ["qualified", "in_progress"],
                  "tickets": ["escalated", "waiting_customer"]}
RESPONSE_COLUMN = {"tickets": ("opened_at", "first_response_at"), "leads": ("created_at", "first_response_at")}


class _Column:
    """A column being edited: NumPy values plus null mask, turned to text when it must hold text."""

    def __init__(self, array: pa.ChunkedArray, is_timestamp: bool) -> None:
        self.array = array.combine_chunks()
        self.type = self.array.type
        self.is_timestamp = is_timestamp
        self.text = pa.types.is_string(self.type)
        self.nulls = self.array.is_null().to_numpy(zero_copy_only=False).copy()
        self._load()

    def _load(self) -> None:
        if self.text:
            self.values = np.array(self.array.to_pylist(), dtype=object)
        elif pa.types.is_timestamp(self.type):
            self.values = self.array.cast(pa.int64()).fill_null(0).to_numpy().copy()
        else:
            self.values = self.array.fill_null(0).to_numpy(zero_copy_only=False).copy()

    def to_text(self) -> None:
        """Hold the column as its CSV text so it can take values of any shape."""
        if not self.text:
            self.array = as_text(self.arrow())
            self.text, self.type = True, pa.string()
            self._load()

    def set(self, rows: np.ndarray, values) -> None:
        values = np.asarray(values)
        if self.text and self.is_timestamp and values.dtype.kind in "iu":
            values = np.datetime_as_string(values.astype("datetime64[s]"), unit="s").astype(object)
        self.values[rows] = values
        self.nulls[rows] = False

    def arrow(self) -> pa.Array:
        if self.text:
            return pa.array(self.values, mask=self.nulls, type=pa.string())
        if pa.types.is_timestamp(self.type):
            return pa.array(self.values.astype("datetime64[s]"), mask=self.nulls, type=self.type)
        return pa.array(self.values, mask=self.nulls, type=self.type)


def _key_values(table: pa.Table, pk: tuple[str, ...], rows: np.ndarray) -> list[dict]:
    cols = {}
    for c in pk:
        arr = table.column(c).take(pa.array(rows))
        if pa.types.is_integer(arr.type):
            cols[c] = arr.to_pylist()
        else:
            cols[c] = as_text(arr).to_pylist()
    return [{c: cols[c][i] for c in pk} for i in range(len(rows))]


def _split(k: int, n_classes: int) -> list[int]:
    base, rest = divmod(k, n_classes)
    return [base + (1 if i < rest else 0) for i in range(n_classes)]


def inject(tables: dict[str, pa.Table], rate: float, rng: np.random.Generator) -> tuple[dict[str, pa.Table], dict]:
    """Faulty copies of the tables and the ground-truth record of every fault."""
    out = dict(tables)
    faults: list[dict] = []
    counts: dict[str, dict[str, int]] = {}
    for name, classes in PLAN.items():
        table = tables[name]
        n = table.num_rows
        k = int(round(rate * n))
        if rate > 0 and k < len(classes) and n >= 20 * len(classes):
            k = len(classes)  # every class shows up in every sizeable table
        if k == 0:
            continue
        spec = TABLES_BY_NAME[name]
        used = np.zeros(n, dtype=bool)
        edits: dict[str, _Column] = {}
        records: list[tuple[int, str, str, object]] = []  # (row, class, column, value)
        dup_src = np.zeros(0, dtype=np.int64)

        def col(c: str) -> _Column:
            if c not in edits:
                edits[c] = _Column(table.column(c), spec.column(c).type == "timestamp")
            return edits[c]

        def choose(eligible: np.ndarray, size: int) -> np.ndarray:
            cand = np.flatnonzero(eligible & ~used)
            rows = np.sort(rng.choice(cand, size=min(size, len(cand)), replace=False))
            used[rows] = True
            return rows

        for cls, size in zip(classes, _split(k, len(classes))):
            if size == 0:
                continue
            if cls == "duplicate_key":
                dup_src = choose(np.ones(n, dtype=bool), size)
            elif cls == "unparseable_timestamp":
                ts_cols = [c.name for c in spec.columns if c.type == "timestamp"]
                present = np.column_stack([~table.column(c).is_null().to_numpy(zero_copy_only=False)
                                           for c in ts_cols])
                rows = choose(present.any(axis=1), size)
                which = np.argmax(present[rows] * rng.random((len(rows), len(ts_cols))), axis=1)
                bad = rng.choice(BAD_TIMESTAMPS, size=len(rows))
                for j, c in enumerate(ts_cols):
                    sel = which == j
                    if sel.any():
                        col(c).to_text()
                        col(c).set(rows[sel], bad[sel])
                        records += [(int(r), cls, c, str(v)) for r, v in zip(rows[sel], bad[sel])]
            elif cls == "unknown_status":
                rows = choose(np.ones(n, dtype=bool), size)
                bad = rng.choice(np.array(UNKNOWN_STATUS[name], dtype=object), size=len(rows))
                col("status").set(rows, bad)
                records += [(int(r), cls, "status", str(v)) for r, v in zip(rows, bad)]
            elif cls == "orphan":
                rows = choose(~table.column("customer_id").is_null().to_numpy(zero_copy_only=False), size)
                bad = np.array([f"C{90_000_000 + i + 1}" for i in range(len(rows))], dtype=object)
                col("customer_id").set(rows, bad)
                records += [(int(r), cls, "customer_id", str(v)) for r, v in zip(rows, bad)]
            elif cls == "negative_quantity":
                rows = choose(np.ones(n, dtype=bool), size)
                q = table.column("quantity").to_numpy()[rows]
                bad = -np.where(q > 0, q, 1.0)
                col("quantity").set(rows, bad)
                records += [(int(r), cls, "quantity", float(v)) for r, v in zip(rows, bad)]
            elif cls == "response_before_opening":
                start_c, resp_c = RESPONSE_COLUMN[name]
                rows = choose(~table.column(resp_c).is_null().to_numpy(zero_copy_only=False), size)
                opened = table.column(start_c).cast(pa.int64()).to_numpy()[rows]
                bad = opened - np.maximum(60, (2700 * np.exp(rng.standard_normal(len(rows)))).astype(np.int64))
                col(resp_c).set(rows, bad)
                iso = np.datetime_as_string(bad.astype("datetime64[s]"), unit="s")
                records += [(int(r), cls, resp_c, str(v)) for r, v in zip(rows, iso)]
            elif cls == "out_of_range_score":
                has_csat = ~table.column("csat_score").is_null().to_numpy(zero_copy_only=False)
                has_nps = ~table.column("nps_score").is_null().to_numpy(zero_copy_only=False)
                rows = choose(has_csat | has_nps, size)
                on_csat = has_csat[rows]
                bad = np.where(on_csat, rng.choice([0, 6, 7], size=len(rows)), rng.choice([-1, 11, 12], size=len(rows)))
                if on_csat.any():
                    col("csat_score").set(rows[on_csat], bad[on_csat])
                if (~on_csat).any():
                    col("nps_score").set(rows[~on_csat], bad[~on_csat])
                records += [(int(r), cls, "csat_score" if c else "nps_score", int(v))
                            for r, c, v in zip(rows, on_csat, bad)]
            else:  # pragma: no cover
                raise ValueError(cls)

        # apply the edits, then insert each duplicate copy somewhere after its original
        for c, edit in edits.items():
            i = table.column_names.index(c)
            table = table.set_column(i, pa.field(c, edit.type), edit.arrow())
        after = dup_src + (rng.random(len(dup_src)) * (n - dup_src)).astype(np.int64)
        keys = np.concatenate([2 * np.arange(n), 2 * after + 1])
        take = np.concatenate([np.arange(n), dup_src])[np.argsort(keys, kind="stable")]
        position = np.empty(n + len(dup_src), dtype=np.int64)
        position[np.argsort(keys, kind="stable")] = np.arange(n + len(dup_src))
        out[name] = table.take(pa.array(take))

        pk = spec.primary_key
        rows_all = np.array([r for r, _, _, _ in records] + list(dup_src), dtype=np.int64)
        keys_all = _key_values(tables[name], pk, rows_all) if len(rows_all) else []
        for (r, cls, c, v), key in zip(records, keys_all[:len(records)]):
            faults.append({"table": name, "fault_class": cls, "row_number": int(position[r]) + 1,
                           "key": key, "column": c, "value": v})
        for j, (s, key) in enumerate(zip(dup_src, keys_all[len(records):])):
            faults.append({"table": name, "fault_class": "duplicate_key", "row_number": int(position[n + j]) + 1,
                           "first_row_number": int(position[s]) + 1, "key": key, "column": ",".join(pk),
                           "value": None})
        per_class = {}
        for f in faults:
            if f["table"] == name:
                per_class[f["fault_class"]] = per_class.get(f["fault_class"], 0) + 1
        counts[name] = {c: per_class[c] for c in classes if c in per_class}
    faults.sort(key=lambda f: (list(PLAN).index(f["table"]), f["row_number"]))
    quarantined = {t: sum(v for c, v in cs.items() if c not in KEPT_CLASSES) for t, cs in counts.items()}
    kept = {t: sum(v for c, v in cs.items() if c in KEPT_CLASSES) for t, cs in counts.items()}
    summary = {
        "rate": rate,
        "classes": FAULT_CLASSES,
        "counts": counts,
        "quarantined": quarantined,
        "kept_with_warning": {t: v for t, v in kept.items() if v},
        "total": len(faults),
        "list": faults,
    }
    return out, summary
