"""The palette: power budgets, platforms and workloads to drag onto the canvas.

A drag carries only a key (``platform:gb200``) under the app's MIME type; the canvas looks the
key up and creates the item through the undo stack. Tooltips show key specs and their sources.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from factory_app.serving.catalog import Catalog, Figure, Platform
from factory_app.scenario.presets import Presets
from factory_app.io import number_format as fmt
from factory_app.ui.icons import icon, platform_icon
from factory_app.ui.mime import make_mime

ROLE_PAYLOAD = Qt.UserRole + 1


def _fig(f: Figure, unit: str) -> str:
    text = f"{f.value:,.4g} {unit}".strip()
    return text + (" <i>(estimate)</i>" if f.is_estimate else "")


def platform_tooltip(p: Platform) -> str:
    lines = [f"<b>{p.name}</b>", p.system]
    if p.announced:
        lines.append("<b style='color:#b45309'>Announced, not shipping</b>: figures are vendor claims or estimates")
    peaks = ", ".join(f"{k.upper()} {_fig(v, 'TFLOPS')}" for k, v in p.peak_dense_tflops.items())
    lines += [
        f"HBM {_fig(p.hbm_gb, 'GB')} at {_fig(p.hbm_bandwidth_tbps, 'TB/s')}",
        f"Dense peak: {peaks}",
        f"Scale-up domain: {p.domain_size} accelerators, {_fig(p.scale_up_bw_gbps_bidir, 'GB/s')} per accelerator",
        f"All-in power {_fig(p.all_in_w, 'W')} · price {_fig(p.price_usd, 'USD')} per accelerator",
        "<small>Sources: " + "; ".join(sorted({s for f in p.figures().values() for s in f.sources}))[:600] + "</small>",
    ]
    return "<br>".join(lines)


class _DragTree(QTreeWidget):
    def mimeData(self, items):  # noqa: N802 - Qt's name
        payload = items[0].data(0, ROLE_PAYLOAD) if items else None
        if not payload:
            return None
        kind, key = payload
        return make_mime(kind, key)

    def mimeTypes(self):  # noqa: N802
        from factory_app.ui.mime import MIME_TYPE

        return [MIME_TYPE]


class PaletteWidget(QWidget):
    """Searchable tree of draggable catalogue entries. Double-click adds the entry too."""

    activated = Signal(str, str)  # kind, key (double-click or Enter adds at the canvas centre)

    def __init__(self, catalog: Catalog, presets: Presets, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search platforms, models, workloads…")
        self.search.setClearButtonEnabled(True)
        self.tree = _DragTree()
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragOnly)
        self.tree.setSelectionMode(QAbstractItemView.SingleSelection)
        self.tree.setIndentation(12)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self._fill(catalog, presets)
        self.search.textChanged.connect(self._filter)
        self.tree.itemActivated.connect(self._on_activated)

    def _group(self, title: str) -> QTreeWidgetItem:
        g = QTreeWidgetItem(self.tree, [title])
        f = g.font(0)
        f.setBold(True)
        g.setFont(0, f)
        g.setFlags(Qt.ItemIsEnabled)
        g.setExpanded(True)
        return g

    def _entry(self, group: QTreeWidgetItem, text: str, kind: str, key: str, tooltip: str, ico) -> QTreeWidgetItem:
        it = QTreeWidgetItem(group, [text])
        it.setData(0, ROLE_PAYLOAD, (kind, key))
        it.setToolTip(0, tooltip)
        it.setIcon(0, ico)
        it.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsDragEnabled)
        return it

    def _fill(self, catalog: Catalog, presets: Presets) -> None:
        power = self._group("Power budgets")
        for b in presets.power_budgets:
            tip = f"<b>{b.name}</b><br>{fmt.mw(b.facility_power_mw)} facility power at PUE {b.pue:g}<br>{b.note}<br><i>Drop on the canvas to set the site's power budget.</i>"
            self._entry(power, f"{b.name}", "power", b.id, tip, icon("power"))
        platforms = self._group("Platforms")
        for p in catalog.platforms.values():
            label = p.name.replace(" (per GPU)", "").replace(" (per GPU package)", "") + ("  (announced)" if p.announced else "")
            self._entry(platforms, label, "platform", p.id, platform_tooltip(p), platform_icon(p.id, p.vendor))
        workloads = self._group("Workloads")
        for w in presets.workloads:
            wl = w.workload
            m = catalog.models.get(wl.model)
            tip = (
                f"<b>{w.name}</b><br>{m.name if m else wl.model} @ {wl.precision}, {wl.isl:,} in / {wl.osl:,} out tokens"
                f"<br>Service level: "
                + (f"TTFT p99 ≤ {wl.max_ttft_ms:,.0f} ms " if wl.max_ttft_ms else "")
                + (f"≥ {wl.min_tokens_per_s_per_user:g} tokens/s per user" if wl.min_tokens_per_s_per_user else "")
                + f"<br>Prices ${wl.price_in_usd_per_mtok:g} in / ${wl.price_out_usd_per_mtok:g} out per million tokens"
                f"<br><small>Source: {w.source}</small><br><i>Drop on a fleet to serve it there.</i>"
            )
            self._entry(workloads, w.name, "workload", w.id, tip, icon("workload"))

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            visible = 0
            for j in range(group.childCount()):
                child = group.child(j)
                kind, key = child.data(0, ROLE_PAYLOAD)
                hit = not needle or needle in child.text(0).lower() or needle in key.lower() or needle in child.toolTip(0).lower()
                child.setHidden(not hit)
                visible += hit
            group.setHidden(visible == 0)

    def _on_activated(self, item: QTreeWidgetItem, column: int) -> None:
        payload = item.data(0, ROLE_PAYLOAD)
        if payload:
            self.activated.emit(*payload)

    def entry(self, kind: str, key: str) -> QTreeWidgetItem | None:
        """The tree item for a payload (tests use it to start drags)."""
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            for j in range(group.childCount()):
                if group.child(j).data(0, ROLE_PAYLOAD) == (kind, key):
                    return group.child(j)
        return None
