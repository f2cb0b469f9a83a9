"""The old home of app.reports.xml_stream, which the coverage and lint formats share; kept while
tests/test_coverage_formats.py still imports `elements` from here."""

from app.reports.xml_stream import MAX_DEPTH, XmlSource, elements, expect_root

__all__ = ["MAX_DEPTH", "XmlSource", "elements", "expect_root"]
