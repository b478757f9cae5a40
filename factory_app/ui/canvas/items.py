"""Canvas items: the site container, fleets, workloads and the links between them.

Items only draw what the scenario and the latest results say; they never compute numbers. A
move is reported to the scene, which pushes one undo command on release.
"""

from __future__ import annotations

import functools

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsObject, QGraphicsPathItem, QStyleOptionGraphicsItem, QWidget

from factory_app.serving.catalog import Catalog
from factory_app.factory.results import FleetResult, OperatingPoint, WorkloadResult
from factory_app.scenario.model import Fleet, Site, Workload
from factory_app.io import number_format as fmt
from factory_app.ui.style import ACCENT, ERROR, MUTED, SITE_COLOR, WARNING, WORKLOAD_COLOR, platform_color

FLEET_SIZE = (240.0, 124.0)
WORKLOAD_SIZE = (240.0, 108.0)
PORT_RADIUS = 7.0


def _font(size: float, bold: bool = False) -> QFont:
    f = QFont()
    f.setPointSizeF(size)
    f.setBold(bold)
    return f


def _elide(painter: QPainter, text: str, width: float) -> str:
    return painter.fontMetrics().elidedText(text, Qt.ElideRight, int(width))


#: Below this zoom the cards' text would be under 3 pt: cards and links are drawn without it,
#: which keeps a zoomed-out canvas of hundreds of items quick to repaint.
TEXT_LOD = 0.3


def level_of_detail(painter: QPainter) -> float:
    return QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())


def refresh_stale_tooltip(item) -> None:
    """Rebuild an item's hover text if its item or result changed since it was last built. Results
    come on every edit for every item (hundreds in a big factory); the text is only needed on
    hover, so items mark it stale and the scene builds it when a tooltip is asked for."""
    if item._tooltip_stale:
        item._update_tooltip()
        item._tooltip_stale = False


def show_result(item, result, figures: tuple) -> None:
    """Give an item its latest result; repaint only when ``figures`` (what its card or label
    shows) changed, so an edit of a cost repaints none of a big factory's cards."""
    item.result = result
    item._tooltip_stale = True
    if figures != getattr(item, "_figures", None):
        item._figures = figures
        item.update()


class CanvasItem(QGraphicsObject):
    """Base of fleet and workload cards: movable, selectable, reports moves to its scene."""

    kind = ""

    def __init__(self, item_id: str, size: tuple[float, float]) -> None:
        super().__init__()
        self.item_id = item_id
        self._size = size
        # No ItemSendsGeometryChanges and no Python itemChange override: Qt would call back into
        # Python for every flag, position and selection change of every card (tens of thousands
        # of calls when a 200-fleet factory opens). The scene keeps links attached during a drag.
        self.setFlags(QGraphicsItem.ItemIsMovable | QGraphicsItem.ItemIsSelectable | QGraphicsItem.ItemIsFocusable)
        self.setAcceptHoverEvents(True)
        self.setZValue(2)
        self._bounds = QRectF(-2, -2, size[0] + 4, size[1] + 4)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._bounds

    def card_rect(self) -> QRectF:
        return QRectF(0, 0, *self._size)

    _tooltip_stale = True  # built by the scene when first needed (see refresh_stale_tooltip)

    def _update_tooltip(self) -> None:
        raise NotImplementedError

    def _card(self, painter: QPainter, accent: QColor) -> QRectF:
        r = self.card_rect()
        detailed = level_of_detail(painter) >= TEXT_LOD
        painter.setRenderHint(QPainter.Antialiasing, detailed)
        selected = self.isSelected()
        painter.setPen(QPen(QColor(ACCENT) if selected else QColor("#c9ced6"), 2.2 if selected else 1.0))
        painter.setBrush(QColor("white"))
        painter.drawRoundedRect(r, 8, 8)
        stripe = QRectF(r.left(), r.top(), 6, r.height())
        if not detailed:  # a few pixels wide: the plain stripe looks the same
            painter.fillRect(stripe, accent)
            return r
        path = QPainterPath()
        path.addRoundedRect(stripe.adjusted(0, 0, 6, 0), 8, 8)
        clip = QPainterPath()
        clip.addRect(stripe)
        painter.fillPath(path.intersected(clip), accent)
        return r


class FleetItem(CanvasItem):
    kind = "fleet"

    def __init__(self, fleet: Fleet, catalog: Catalog) -> None:
        super().__init__(fleet.id, FLEET_SIZE)
        self._bounds = QRectF(-2, -2, FLEET_SIZE[0] + 4, FLEET_SIZE[1] + PORT_RADIUS + 4)  # the port hangs below
        self.catalog = catalog
        self.fleet = fleet
        self.result: FleetResult | None = None
        self.drop_highlight = False
        self.setPos(*fleet.position)
        self._tooltip_stale = True

    def set_fleet(self, fleet: Fleet) -> None:
        self.fleet = fleet
        self._tooltip_stale = True
        self.update()

    def set_result(self, result: FleetResult | None) -> None:
        figures = (result.accelerators, result.facility_power_mw, result.output_tokens_per_s, result.revenue_usd_per_year,
                   result.idle_accelerators) if result else None
        show_result(self, result, figures)

    def port_center(self) -> QPointF:
        """Scene position of the connection port at the bottom centre."""
        return self.mapToScene(QPointF(FLEET_SIZE[0] / 2, FLEET_SIZE[1]))

    def port_contains(self, scene_pos: QPointF) -> bool:
        d = scene_pos - self.port_center()
        return d.x() ** 2 + d.y() ** 2 <= (PORT_RADIUS + 4) ** 2

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._bounds

    def _update_tooltip(self) -> None:
        p = self.catalog.platforms.get(self.fleet.platform)
        lines = [f"<b>{self.fleet.name or self.fleet.platform}</b> — {p.name if p else self.fleet.platform}"]
        if p:
            lines.append(p.system)
            all_in = p.all_in_w
            lines.append(f"All-in power: {all_in.value:,.0f} W per accelerator{' (estimate)' if all_in.is_estimate else ''}")
            lines.append(f"Scale-up domain: {p.domain_size} accelerators")
            if p.announced:
                lines.append("<i>Announced, not shipping: figures are vendor claims or estimates</i>")
        if self.result:
            r = self.result
            lines.append(f"Accelerators: {fmt.count(r.accelerators)} ({fmt.mw(r.accelerator_power_mw)} accelerator power, "
                         f"{fmt.mw(r.facility_power_mw)} drawn at the facility meter with cooling and other IT)")
            lines.append(f"Output: {fmt.tokens_per_s(r.output_tokens_per_s)}; revenue {fmt.usd_per_year(r.revenue_usd_per_year)}; cost {fmt.usd_per_year(r.cost_usd_per_year)}")
            if r.limited_by:
                lines.append(f"Sized by: {r.limited_by}")
            if r.idle_accelerators:
                lines.append(f"<span style='color:{WARNING}'>{fmt.count(r.idle_accelerators)} accelerators not assigned to any workload</span>")
        lines.append("<i>Drag from the port at the bottom to a workload to connect it.</i>")
        self.setToolTip("<br>".join(lines))

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        color = platform_color(self.fleet.platform)
        r = self._card(painter, color)
        if self.drop_highlight:
            painter.setPen(QPen(QColor(ACCENT), 3, Qt.DashLine))
            painter.setBrush(Qt.NoBrush)
            painter.drawRoundedRect(r.adjusted(-4, -4, 4, 4), 10, 10)
        if level_of_detail(painter) < TEXT_LOD:
            self._paint_port(painter, r, color)
            return
        p = self.catalog.platforms.get(self.fleet.platform)
        x, w = 16.0, r.width() - 26
        painter.setPen(QColor("#111827"))
        painter.setFont(_font(10.5, True))
        painter.drawText(QRectF(x, 8, w, 20), Qt.AlignLeft | Qt.AlignVCenter, _elide(painter, self.fleet.name or self.fleet.platform, w))
        painter.setFont(_font(8.5))
        painter.setPen(QColor(MUTED))
        sub = p.name if p else self.fleet.platform
        badge = " · announced" if p and p.announced else ""
        painter.drawText(QRectF(x, 28, w, 16), Qt.AlignLeft | Qt.AlignVCenter, _elide(painter, sub + badge, w))
        lines = self.card_lines()
        painter.drawText(QRectF(x, 44, w, 16), Qt.AlignLeft | Qt.AlignVCenter, _elide(painter, lines[0], w))
        empty = self.result is not None and self.result.accelerators == 0
        painter.setPen(QColor(WARNING if empty else "#111827"))
        painter.setFont(_font(9.5, True))
        painter.drawText(QRectF(x, 66, w, 18), Qt.AlignLeft | Qt.AlignVCenter, _elide(painter, lines[1], w))
        painter.setFont(_font(9))
        painter.setPen(QColor("#1f2937"))
        painter.drawText(QRectF(x, 86, w, 18), Qt.AlignLeft | Qt.AlignVCenter, _elide(painter, lines[2], w))
        if self.result and self.result.idle_accelerators:
            painter.setPen(QColor(WARNING))
            painter.setFont(_font(8))
            painter.drawText(QRectF(x, 104, w, 14), Qt.AlignLeft | Qt.AlignVCenter, "idle: not assigned")
        self._paint_port(painter, r, color)

    def card_lines(self) -> tuple[str, str, str]:
        """The card's three lines of figures: sizing (with the accelerator power it gives, the
        same megawatts as the site's bar), accelerators, output and revenue."""
        r = self.result
        if self.fleet.sizing == "power":
            sizing = f"{fmt.percent(self.fleet.power_share or 0.0, 0)} of accelerator power"
            if r is not None and r.accelerators:
                sizing = f"{fmt.percent(self.fleet.power_share or 0.0, 0)} · {fmt.mw(r.accelerator_power_mw)} accelerator power"
        else:
            sizing = f"{fmt.count(self.fleet.accelerators or 0)} accelerators requested"
        if r is None:
            return sizing, "—", ""
        if r.accelerators == 0:
            why = "no accelerator power left" if self.fleet.sizing == "power" else "fewer than one purchase unit"
            return sizing, f"no accelerators: {why}", "give it a share (select it, or the site)"
        served = f"{fmt.tokens_per_s(r.output_tokens_per_s)} · {fmt.usd_per_year(r.revenue_usd_per_year)}"
        if not r.operating_points:
            served = "serves no workload yet"
        return sizing, f"{fmt.count(r.accelerators)} accelerators", served

    @staticmethod
    def _paint_port(painter: QPainter, r: QRectF, color: QColor) -> None:
        """The connection port at the bottom centre."""
        painter.setPen(QPen(QColor("white"), 2))
        painter.setBrush(color)
        painter.drawEllipse(QPointF(r.width() / 2, r.height()), PORT_RADIUS, PORT_RADIUS)


class WorkloadItem(CanvasItem):
    kind = "workload"

    def __init__(self, workload: Workload, catalog: Catalog) -> None:
        super().__init__(workload.id, WORKLOAD_SIZE)
        self.catalog = catalog
        self.workload = workload
        self.result: WorkloadResult | None = None
        self.setPos(*workload.position)
        self._tooltip_stale = True

    def set_workload(self, workload: Workload) -> None:
        self.workload = workload
        self._tooltip_stale = True
        self.update()

    def set_result(self, result: WorkloadResult | None) -> None:
        figures = (result.reason, result.output_tokens_per_s, result.utilisation, result.revenue_usd_per_year) if result else None
        show_result(self, result, figures)

    def anchor(self) -> QPointF:
        return self.mapToScene(QPointF(WORKLOAD_SIZE[0] / 2, 0))

    def _update_tooltip(self) -> None:
        w = self.workload
        m = self.catalog.models.get(w.model)
        lines = [f"<b>{w.name or w.model}</b> — {m.name if m else w.model} @ {w.precision}"]
        lines.append(f"{w.isl:,} input / {w.osl:,} output tokens per request")
        sla = []
        if w.max_ttft_ms is not None:
            sla.append(f"TTFT p99 ≤ {w.max_ttft_ms:,.0f} ms")
        if w.min_tokens_per_s_per_user is not None:
            sla.append(f"≥ {w.min_tokens_per_s_per_user:,.0f} tokens/s per user")
        lines.append("Service level: " + (", ".join(sla) or "none (maximum throughput)"))
        lines.append(f"Prices: ${w.price_in_usd_per_mtok:g} in / ${w.price_out_usd_per_mtok:g} out per million tokens")
        if self.result:
            r = self.result
            lines.append(f"Sold: {fmt.tokens_per_s(r.output_tokens_per_s)} of {fmt.tokens_per_s(r.output_capacity_tokens_per_s)} capacity ({fmt.percent(r.utilisation)})")
            lines.append(f"Revenue: {fmt.usd_per_year(r.revenue_usd_per_year)}; bound: {r.bound or '—'}")
            if r.reason:
                lines.append(f"<span style='color:{ERROR}'>{r.reason}</span>")
        self.setToolTip("<br>".join(lines))

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        r = self._card(painter, QColor(WORKLOAD_COLOR))
        if level_of_detail(painter) < TEXT_LOD:
            return
        w = self.workload
        x, width = 16.0, r.width() - 26
        painter.setPen(QColor("#111827"))
        painter.setFont(_font(10.5, True))
        painter.drawText(QRectF(x, 8, width, 20), Qt.AlignLeft | Qt.AlignVCenter, _elide(painter, w.name or w.model, width))
        painter.setFont(_font(8.5))
        painter.setPen(QColor(MUTED))
        m = self.catalog.models.get(w.model)
        painter.drawText(QRectF(x, 28, width, 16), Qt.AlignLeft | Qt.AlignVCenter,
                         _elide(painter, f"{m.name if m else w.model} @ {w.precision}", width))
        painter.drawText(QRectF(x, 44, width, 16), Qt.AlignLeft | Qt.AlignVCenter,
                         _elide(painter, f"{w.isl:,} in / {w.osl:,} out tokens", width))
        res = self.result
        painter.setFont(_font(9.5, True))
        if res and res.reason:
            painter.setPen(QColor(ERROR))
            painter.setFont(_font(8.5, True))
            painter.drawText(QRectF(x, 64, width, 36), Qt.AlignLeft | Qt.TextWordWrap, res.reason)
            return
        painter.setPen(QColor("#111827"))
        line1 = fmt.tokens_per_s(res.output_tokens_per_s) if res else "—"
        painter.drawText(QRectF(x, 66, width, 18), Qt.AlignLeft | Qt.AlignVCenter, line1)
        if res:
            painter.setFont(_font(9))
            painter.setPen(QColor("#1f2937"))
            tail = f" · {fmt.percent(res.utilisation, 0)} sold" if res.utilisation < 0.995 else ""
            painter.drawText(QRectF(x, 86, width, 18), Qt.AlignLeft | Qt.AlignVCenter,
                             _elide(painter, fmt.usd_per_year(res.revenue_usd_per_year) + tail, width))


class LinkItem(QGraphicsPathItem):
    """A fleet serving a workload: a curve from the fleet's port to the workload's top."""

    kind = "assignment"

    def __init__(self, fleet_item: FleetItem, workload_item: WorkloadItem, share: float) -> None:
        super().__init__()
        self.fleet_item, self.workload_item = fleet_item, workload_item
        self.item_id = f"{fleet_item.item_id}/{workload_item.item_id}"
        self.share = share
        self.result: OperatingPoint | None = None
        self._mid: QPointF | None = None  # where the label sits: the middle of the path
        self.setFlags(QGraphicsItem.ItemIsSelectable)
        self.setZValue(1)
        self.setAcceptHoverEvents(True)
        self.label = LinkLabel(self)  # the scene adds it: above every link, so none runs over it
        self.refresh()

    def set_share(self, share: float) -> None:
        self.share = share
        self.refresh()

    def set_result(self, result: OperatingPoint | None) -> None:
        before = getattr(self, "_figures", None)
        show_result(self, result, (result.feasible, result.bound) if result else None)
        if getattr(self, "_figures", None) != before:
            self.label.refresh()

    def label_text(self) -> str:
        text = fmt.percent(self.share, 0)
        if self.result and self.result.feasible and self.result.bound:
            text += f" · {BOUND_WORDS.get(self.result.bound, self.result.bound.replace('-', ' '))}"
        elif self.result and not self.result.feasible:
            text += " · not feasible"
        return text

    def midpoint(self) -> QPointF:
        if self._mid is None:
            self._mid = self.path().pointAtPercent(0.5)
        return self._mid

    _tooltip_stale = True

    def _update_tooltip(self) -> None:
        op = self.result
        lines = [f"<b>{self.fleet_item.fleet.name or self.fleet_item.fleet.platform} → {self.workload_item.workload.name or self.workload_item.workload.model}</b>",
                 f"{fmt.percent(self.share, 0)} of the fleet"]
        if op:
            if not op.feasible:
                lines.append(f"<span style='color:{ERROR}'>Not feasible: {op.reason}</span>")
            else:
                lines.append(f"{fmt.count(op.accelerators)} accelerators, {op.layout}")
                lines.append(f"{fmt.tokens_per_s(op.output_tokens_per_s)} sold of {fmt.tokens_per_s(op.output_capacity_tokens_per_s)}; "
                             f"{op.tokens_per_s_per_user:,.1f} tokens/s per user; TTFT {op.ttft_ms:,.0f} ms (p99 {op.ttft_p99_ms:,.0f} ms)")
                lines.append(f"Bound by: <b>{op.bound}</b>" + (f" — {op.reason}" if op.reason else ""))
        self.setToolTip("<br>".join(lines))

    def refresh(self) -> None:
        a = self.fleet_item.port_center()
        b = self.workload_item.anchor()
        path = QPainterPath(a)
        dy = max(40.0, abs(b.y() - a.y()) / 2)
        path.cubicTo(a + QPointF(0, dy), b - QPointF(0, dy), b)
        look = (self.fleet_item.fleet.platform, self.share)  # colour and width
        if path != self.path():
            self.setPath(path)
            # the curve is point-symmetric (its control points mirror each other about the middle
            # of a and b), so the middle of its length is the middle of its ends
            self._mid = (a + b) / 2
            if hasattr(self, "label"):
                self.label.refresh()
        elif look != getattr(self, "_look", look):
            self.update()  # an unchanged link is not repainted: its bounds cover much of a big canvas
            self.label.refresh()
        self._look = look
        self._tooltip_stale = True

    def shape(self) -> QPainterPath:
        from PySide6.QtGui import QPainterPathStroker

        stroker = QPainterPathStroker()
        stroker.setWidth(12)
        return stroker.createStroke(self.path())

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        detailed = level_of_detail(painter) >= TEXT_LOD
        painter.setRenderHint(QPainter.Antialiasing, detailed)  # hundreds of hairlines when zoomed out: plain is 3x quicker
        color = platform_color(self.fleet_item.fleet.platform)
        infeasible = self.result is not None and not self.result.feasible
        width = 1.5 + 4.0 * max(0.0, min(1.0, self.share))
        pen = QPen(QColor(ERROR) if infeasible else color, width + (1.5 if self.isSelected() else 0))
        if infeasible:
            pen.setStyle(Qt.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.NoBrush)
        painter.drawPath(self.path())


#: What bound an operating point, as the link's label says it
BOUND_WORDS = {"memory-bandwidth": "memory bandwidth", "kv-capacity": "KV-cache capacity", "overhead": "launch overhead",
               "compute": "compute", "communication": "communication", "demand": "demand"}


@functools.cache
def _label_metrics() -> QFontMetricsF:
    """The metrics of a link label's font (made once: hundreds of labels refresh on an open)."""
    return QFontMetricsF(_font(8))


class LinkLabel(QGraphicsItem):
    """A link's share and bound in a white pill at the middle of its curve, drawn above all links
    (a link drawn later, dashed red when infeasible, used to run over an earlier link's label)."""

    def __init__(self, link: "LinkItem") -> None:
        super().__init__()
        self.link = link
        self.setZValue(1.5)
        self.setAcceptedMouseButtons(Qt.NoButton)
        self._text = ""
        self._box = QRectF()

    def refresh(self) -> None:
        text = self.link.label_text()
        width = _label_metrics().horizontalAdvance(text) + 12
        box = QRectF(-width / 2, -9, width, 18)
        if text != self._text or box != self._box:
            self.prepareGeometryChange()
            self._text, self._box = text, box
        self.setPos(self.link.midpoint())
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._box.adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        if level_of_detail(painter) < TEXT_LOD:
            return
        infeasible = self.link.result is not None and not self.link.result.feasible
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setFont(_font(8))
        painter.setPen(QPen(QColor(ERROR) if infeasible else QColor("#d1d5db"), 1))
        painter.setBrush(QColor("white"))
        painter.drawRoundedRect(self._box, 9, 9)
        painter.setPen(QColor(ERROR) if infeasible else QColor("#374151"))
        painter.drawText(self._box, Qt.AlignCenter, self._text)


class SiteItem(QGraphicsObject):
    """The site: a container around its fleets, with the power envelope as a bar."""

    kind = "site"
    item_id = "site"
    HEADER = 64.0
    PAD = 28.0

    def __init__(self, site: Site) -> None:
        super().__init__()
        self.site = site
        self.rect = QRectF(0, 0, 760, 320)
        self.used_mw = 0.0
        self.available_mw = site.accelerator_power_mw
        self.site_shown = (site.name, site.facility_power_mw, site.pue)
        self.setFlags(QGraphicsItem.ItemIsSelectable)
        self.setZValue(0)
        self.setAcceptHoverEvents(True)

    # Only the header shows numbers, and only it is repainted when they change: repainting the
    # whole site would repaint every card inside it (hundreds in a big factory).
    def set_site(self, site: Site) -> None:
        shown = (site.name, site.facility_power_mw, site.pue)
        self.site = site
        if shown != self.site_shown:
            self.site_shown = shown
            self._update_tooltip()
            self.update(self.header_rect())

    def set_power(self, used_mw: float, available_mw: float) -> None:
        if (used_mw, available_mw) == (self.used_mw, self.available_mw) and self.toolTip():
            return
        self.used_mw, self.available_mw = used_mw, available_mw
        self._update_tooltip()
        self.update(self.header_rect())

    def _update_tooltip(self) -> None:
        self.setToolTip(
            f"<b>{self.site.name}</b><br>Facility power budget {fmt.mw(self.site.facility_power_mw)} at PUE {self.site.pue:g}"
            f"<br>Accelerator power budget {fmt.mw(self.available_mw)}, {fmt.mw(self.used_mw)} drawn by the fleets placed"
            "<br><i>Drop platforms here; drop a power budget to change the site's power.</i>"
        )

    def fit(self, child_rects: list[QRectF]) -> None:
        """Enclose the fleets (or keep a default size at the site's position when there are none).
        Nothing is repainted when the enclosure did not change (the usual edit)."""
        if child_rects:
            r = child_rects[0]
            for c in child_rects[1:]:
                r = r.united(c)
            r = r.adjusted(-self.PAD, -self.PAD - self.HEADER, self.PAD, self.PAD)
            r.setWidth(max(r.width(), 560))
            pos, rect = r.topLeft(), QRectF(0, 0, r.width(), r.height())
        else:
            pos, rect = QPointF(*self.site.position), QRectF(0, 0, 760, 300)
        if pos == self.pos() and rect == self.rect:
            return
        self.prepareGeometryChange()
        self.setPos(pos)
        self.rect = rect
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self.rect.adjusted(-2, -2, 2, 2)

    def header_rect(self) -> QRectF:
        return QRectF(self.rect.left(), self.rect.top(), self.rect.width(), self.HEADER)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.Antialiasing)
        r = self.rect
        selected = self.isSelected()
        painter.setPen(QPen(QColor(ACCENT) if selected else QColor("#9aa4b2"), 2 if selected else 1.2, Qt.DashLine))
        painter.setBrush(QBrush(QColor("#eef2f7")))
        painter.drawRoundedRect(r, 14, 14)
        painter.setPen(QColor(SITE_COLOR))
        painter.setFont(_font(11.5, True))
        title = f"{self.site.name} · facility power budget {fmt.mw(self.site.facility_power_mw)} · PUE {self.site.pue:g}"
        painter.drawText(QRectF(18, 8, r.width() - 36, 22), Qt.AlignLeft | Qt.AlignVCenter, _elide(painter, title, r.width() - 36))
        # power envelope bar: accelerator power used vs available
        bar = QRectF(18, 36, r.width() - 36, 14)
        painter.setPen(Qt.NoPen)
        painter.setBrush(QColor("#d8dee8"))
        painter.drawRoundedRect(bar, 7, 7)
        frac = 0.0 if self.available_mw <= 0 else max(0.0, min(1.0, self.used_mw / self.available_mw))
        painter.setBrush(QColor(ACCENT))
        if frac > 0:
            painter.drawRoundedRect(QRectF(bar.left(), bar.top(), max(bar.height(), bar.width() * frac), bar.height()), 7, 7)
        painter.setFont(_font(8.5, True))
        painter.setPen(QColor("white") if frac > 0.35 else QColor(SITE_COLOR))
        text = f"accelerator power {fmt.mw(self.used_mw)} used of {fmt.mw(self.available_mw)} ({fmt.percent(frac, 0)})"
        painter.drawText(bar.adjusted(8, 0, -8, 0), Qt.AlignLeft | Qt.AlignVCenter, _elide(painter, text, bar.width() - 16))
