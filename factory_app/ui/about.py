"""Help ▸ About: version, catalogue sources and the model's assumptions."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from factory_app import __version__
from factory_app.serving.catalog import Catalog

ASSUMPTIONS = """
<ul>
<li>Decode and prefill times are rooflines of bytes and FLOPs with efficiency factors fitted per platform
family against published measurements (MLPerf Inference v4.x, TensorRT-LLM tables); see docs/calibration.md.</li>
<li>Continuous batching with chunked prefill (8,192-token chunks) or a disaggregated prefill pool, whichever
serves more; a request reserves its whole context in the KV cache.</li>
<li>Latency limits are 99th percentiles under Poisson arrivals (an M/M/c queue of KV-cache slots).</li>
<li>Accelerators draw their all-in watts at full load; facility power adds the non-accelerator IT share and PUE.</li>
<li>Costs: straight-line depreciation of accelerators and facility, energy at the contracted price, other opex per MW.</li>
<li>Figures marked <i>estimate</i> have no primary source; announced platforms are vendor claims.</li>
</ul>
"""


def about_html(catalog: Catalog) -> str:
    families = sorted({p.family for p in catalog.platforms.values()})
    calibrated = [f for f in families if catalog.efficiency[f].calibrated]
    sources = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>" for k, v in sorted(catalog.sources.items()))
    model_sources = "".join(f"<li><b>{m.id}</b>: {html.escape('; '.join(m.sources))}</li>" for m in catalog.models.values())
    return (
        f"<h2>AI Factory Modeller {__version__}</h2>"
        "<p>What-if modelling of AI factories: power in, tokens out, money either side.</p>"
        f"<p>Catalogue: {len(catalog.platforms)} platforms, {len(catalog.models)} models. "
        f"Calibrated families: {', '.join(calibrated)}; borrowed factors: {', '.join(f for f in families if f not in calibrated)}.</p>"
        f"<h3>Model assumptions</h3>{ASSUMPTIONS}"
        f"<h3>Platform sources</h3><ul>{sources}</ul><h3>Model sources</h3><ul>{model_sources}</ul>"
    )


def show_about(parent: QWidget, catalog: Catalog) -> None:
    dialog = QDialog(parent)
    dialog.setWindowTitle("About AI Factory Modeller")
    text = QTextBrowser()
    text.setOpenExternalLinks(True)
    text.setHtml(about_html(catalog))
    buttons = QDialogButtonBox(QDialogButtonBox.Close)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(text)
    layout.addWidget(buttons)
    dialog.resize(760, 600)
    dialog.exec()
