"""The HTML report: one self-contained file a manager can open offline.

``write_report(db_path, out_path)`` reads the marts (from the build warehouse
or the serving file: both have the ``marts`` and ``reference`` schemas),
draws the charts with Plotly and writes one HTML file with plotly.js inlined
once, so it opens without internet and can be mailed as an attachment.

Modules: ``data`` reads (read-only), ``fmt`` formats numbers and verdicts,
``charts`` draws, ``page`` lays out the HTML.
"""

from orchestration.report.page import write_report

__all__ = ["write_report"]
