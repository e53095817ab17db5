"""The report's charts (matplotlib, Agg, no pyplot state): PNG bytes for the PDF."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

# Figure + FigureCanvasAgg directly: no pyplot, no global backend switch, thread-safe
# enough for the GUI's report worker thread.
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

CHART_DPI = 110


def line_chart(
    x: Sequence,
    series: Mapping[str, Sequence[float | None]],
    title: str,
    ylabel: str,
    ylim: tuple[float, float] | None = None,
    size_in: tuple[float, float] = (7.0, 2.6),
) -> bytes:
    """One line per series over x (None values leave gaps); PNG bytes."""
    fig = Figure(figsize=size_in, dpi=CHART_DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    for name, ys in series.items():
        vals = [float("nan") if y is None else float(y) for y in ys]
        ax.plot(list(x), vals, marker="o", markersize=3.5, linewidth=1.4, label=name)
    ax.set_title(title, fontsize=9)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=7)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.grid(True, alpha=0.3)
    if series:
        ax.legend(fontsize=6.5, loc="best", ncol=min(3, len(series)), frameon=False)
    fig.autofmt_xdate(rotation=30)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
