"""Time to merge by PR size as a small hand-written SVG: per size bucket, a bar for the median
and one for the p90, each with its figure written beside it (it reads without colour, and
without JavaScript)."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

from app.insights.merge_time import MergeTimeBySize

WIDTH = 640
LABEL_WIDTH = 150
BAR_AREA = 330
ROW_HEIGHT = 46
BAR_HEIGHT = 14
TOP = 28


def hours_text(value: float | None) -> str:
    return "no data" if value is None else f"{value:.2f} h"


def merge_time_chart(figures: MergeTimeBySize) -> Markup:
    largest = max((b.time_to_merge.p90_hours or 0.0 for b in figures.buckets), default=0.0) or 1.0
    height = TOP + ROW_HEIGHT * len(figures.buckets) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" '
        'aria-labelledby="merge-chart-title">',
        '<title id="merge-chart-title">Time to merge by PR size (changed lines): median and p90, '
        "in hours</title>",
        '<text x="0" y="14" font-size="12">Size (lines)</text>',
        f'<text x="{LABEL_WIDTH}" y="14" font-size="12">'
        "solid: median, hatched: p90 (hours from ready to merged)</text>",
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#1f4e79" stroke-width="3"/></pattern></defs>',
    ]
    for index, figure in enumerate(figures.buckets):
        y = TOP + index * ROW_HEIGHT
        distribution = figure.time_to_merge
        label = f"{figure.bucket.label} (n={distribution.count})"
        parts.append(f'<text x="0" y="{y + BAR_HEIGHT + 4}" font-size="12">{escape(label)}</text>')
        if distribution.count == 0:
            parts.append(
                f'<text x="{LABEL_WIDTH}" y="{y + BAR_HEIGHT + 4}" font-size="12" '
                'fill="#555">no merged PRs</text>'
            )
            continue
        for offset, name, value, fill in (
            (0, "median", distribution.median_hours, "#1f4e79"),
            (BAR_HEIGHT + 4, "p90", distribution.p90_hours, "url(#hatch)"),
        ):
            length = max(1.0, BAR_AREA * (value or 0.0) / largest)
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y + offset}" width="{length:.1f}" '
                f'height="{BAR_HEIGHT}" fill="{fill}" stroke="#1f4e79"/>'
            )
            parts.append(
                f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + offset + BAR_HEIGHT - 3}" '
                f'font-size="12">{name} {escape(hours_text(value))}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - built from escaped text and numbers only
