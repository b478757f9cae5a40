"""The factory scene: fills itself from the scenario, then follows the document's change events.

The scene never edits the scenario. A finished drag emits ``moveFinished`` and a connection
drawn from a fleet's port to a workload emits ``connectRequested``; the main window turns them
into undo commands, whose document events come back here.
"""

from __future__ import annotations

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsLineItem, QGraphicsScene, QGraphicsSceneMouseEvent

from factory_app.serving.catalog import Catalog
from factory_app.factory.results import FactoryResult
from factory_app.scenario.document import Change, ScenarioDocument
from factory_app.ui.canvas.items import CanvasItem, FleetItem, LinkItem, SiteItem, WorkloadItem, refresh_stale_tooltip
from factory_app.ui.style import ACCENT, BACKGROUND


class FactoryScene(QGraphicsScene):
    moveFinished = Signal(dict, dict)  # new positions, old positions (item id -> (x, y))
    connectRequested = Signal(str, str)  # fleet id, workload id

    def __init__(self, doc: ScenarioDocument, catalog: Catalog) -> None:
        super().__init__()
        self.doc = doc
        self.catalog = catalog
        self.setBackgroundBrush(QColor(BACKGROUND))
        self.site_item: SiteItem | None = None
        self.fleets: dict[str, FleetItem] = {}
        self.workloads: dict[str, WorkloadItem] = {}
        self.links: dict[str, LinkItem] = {}
        self.result: FactoryResult | None = None
        self._connect_from: FleetItem | None = None
        self._connect_line: QGraphicsLineItem | None = None
        self._syncing = False
        self.rebuild()
        self._unsubscribe = doc.subscribe(self._on_change)

    # -- building ---------------------------------------------------------------------------
    def rebuild(self) -> None:
        """Drop every item and fill the scene from the scenario."""
        self._syncing = True
        self.clear()
        self.fleets, self.workloads, self.links = {}, {}, {}
        s = self.doc.scenario
        self.site_item = SiteItem(s.site)
        self.addItem(self.site_item)
        for f in s.fleets:
            self._add_fleet_item(f.id)
        for w in s.workloads:
            self._add_workload_item(w.id)
        for a in s.assignments:
            self._add_link(a.fleet_id, a.workload_id, a.share)
        self._syncing = False
        self._fit_site()
        self.set_results(self.result)

    def _add_fleet_item(self, fleet_id: str) -> FleetItem:
        item = FleetItem(self.doc.scenario.fleet(fleet_id), self.catalog)
        self.fleets[fleet_id] = item
        self.addItem(item)
        return item

    def _add_workload_item(self, workload_id: str) -> WorkloadItem:
        item = WorkloadItem(self.doc.scenario.workload(workload_id), self.catalog)
        self.workloads[workload_id] = item
        self.addItem(item)
        return item

    def _add_link(self, fleet_id: str, workload_id: str, share: float) -> None:
        link = LinkItem(self.fleets[fleet_id], self.workloads[workload_id], share)
        self.links[link.item_id] = link
        self.addItem(link)
        self.addItem(link.label)

    def _fit_site(self) -> None:
        if self.site_item is not None:
            self.site_item.fit([f.sceneBoundingRect() for f in self.fleets.values()])

    # -- following the document -------------------------------------------------------------
    def _on_change(self, change: Change) -> None:
        s = self.doc.scenario
        self._syncing = True
        try:
            if change.kind == "scenario" and change.action == "reset":
                self._syncing = False
                self.rebuild()
                return
            if change.action == "move":
                for item_id in (change.item_id or "").split(","):
                    item = self.fleets.get(item_id) or self.workloads.get(item_id)
                    if item is not None:
                        pos = (s.fleet(item_id) if item_id in self.fleets else s.workload(item_id)).position
                        item.setPos(*pos)
                self._refresh_links()
            elif change.kind == "site":
                self.site_item.set_site(s.site)
            elif change.kind == "fleet":
                self._fleet_changed(change)
            elif change.kind == "workload":
                self._workload_changed(change)
            elif change.kind == "assignment":
                self._assignment_changed(change)
        finally:
            self._syncing = False
        self._fit_site()

    def _fleet_changed(self, change: Change) -> None:
        fid = change.item_id or ""
        if change.action == "add":
            self._add_fleet_item(fid)
        elif change.action == "remove":
            item = self.fleets.pop(fid, None)
            if item is not None:
                self.removeItem(item)
        else:
            fleet = self.doc.scenario.fleet(fid)
            self.fleets[fid].set_fleet(fleet)
            self.fleets[fid].setPos(*fleet.position)
            self._refresh_links(fid)

    def _workload_changed(self, change: Change) -> None:
        wid = change.item_id or ""
        if change.action == "add":
            self._add_workload_item(wid)
        elif change.action == "remove":
            item = self.workloads.pop(wid, None)
            if item is not None:
                self.removeItem(item)
        else:
            workload = self.doc.scenario.workload(wid)
            self.workloads[wid].set_workload(workload)
            self.workloads[wid].setPos(*workload.position)
            self._refresh_links(wid)

    def _assignment_changed(self, change: Change) -> None:
        key = change.item_id or ""
        fid, _, wid = key.partition("/")
        if change.action == "add":
            share = next(a.share for a in self.doc.scenario.assignments if a.fleet_id == fid and a.workload_id == wid)
            self._add_link(fid, wid, share)
        elif change.action == "remove":
            link = self.links.pop(key, None)
            if link is not None:
                self.removeItem(link.label)
                self.removeItem(link)
        else:
            share = next(a.share for a in self.doc.scenario.assignments if a.fleet_id == fid and a.workload_id == wid)
            self.links[key].set_share(share)

    def _refresh_links(self, item_id: str | None = None) -> None:
        """Re-route the links (of one fleet or workload, or all): names in their hover text,
        ends following moved items."""
        for link in self.links.values():
            if item_id is None or item_id in (link.fleet_item.item_id, link.workload_item.item_id):
                link.refresh()  # repaints only what changed

    # -- results ----------------------------------------------------------------------------
    def set_results(self, result: FactoryResult | None) -> None:
        """Show the latest evaluation on the items (numbers come from the engine)."""
        self.result = result
        fleets = {f.fleet_id: f for f in result.fleets} if result else {}
        workloads = {w.workload_id: w for w in result.workloads} if result else {}
        points = {f"{op.fleet_id}/{op.workload_id}": op for f in fleets.values() for op in f.operating_points}
        for fid, item in self.fleets.items():
            item.set_result(fleets.get(fid))
        for wid, item in self.workloads.items():
            item.set_result(workloads.get(wid))
        for key, link in self.links.items():
            link.set_result(points.get(key))
        if self.site_item is not None:
            site = self.doc.scenario.site
            used = result.totals.get("accelerator_power_used_mw", 0.0) if result else 0.0
            available = result.totals.get("accelerator_power_mw", site.accelerator_power_mw) if result else site.accelerator_power_mw
            self.site_item.set_power(used, available)

    def helpEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Build the hover text of the items under the mouse if it is out of date, then show it."""
        for item in self.items(event.scenePos()):
            if getattr(item, "_tooltip_stale", False):
                refresh_stale_tooltip(item)
        super().helpEvent(event)

    # -- selection helpers ------------------------------------------------------------------
    def selected_ids(self) -> list[str]:
        """Ids of the selected fleets, workloads and links (``fleet/workload``), and ``site``."""
        out = []
        for item in self.selectedItems():
            if isinstance(item, (CanvasItem, LinkItem, SiteItem)):
                out.append(item.item_id)
        return out

    def item_for(self, item_id: str):
        if item_id == "site":
            return self.site_item
        return self.fleets.get(item_id) or self.workloads.get(item_id) or self.links.get(item_id)

    def content_rect(self) -> QRectF:
        r = QRectF()
        for item in self.items():
            if isinstance(item, (CanvasItem, SiteItem)):
                r = r.united(item.sceneBoundingRect())
        return r

    def fleet_at(self, pos: QPointF) -> FleetItem | None:
        for item in self.items(pos):
            if isinstance(item, FleetItem):
                return item
        return None

    def workload_at(self, pos: QPointF) -> WorkloadItem | None:
        for item in self.items(pos):
            if isinstance(item, WorkloadItem):
                return item
        return None

    # -- moves ------------------------------------------------------------------------------
    def item_moved(self, item: CanvasItem) -> None:
        """Called by an item while it is dragged: keep its links attached, the site around it."""
        if self._syncing:
            return
        for link in self.links.values():
            if link.fleet_item is item or link.workload_item is item:
                link.refresh()
        if isinstance(item, FleetItem):
            self._fit_site()

    def _pending_moves(self) -> tuple[dict, dict]:
        s = self.doc.scenario
        new, old = {}, {}
        for fid, item in self.fleets.items():
            pos = (round(item.pos().x(), 1), round(item.pos().y(), 1))
            if pos != s.fleet(fid).position:
                new[fid], old[fid] = pos, s.fleet(fid).position
        for wid, item in self.workloads.items():
            pos = (round(item.pos().x(), 1), round(item.pos().y(), 1))
            if pos != s.workload(wid).position:
                new[wid], old[wid] = pos, s.workload(wid).position
        return new, old

    # -- mouse: connections and move commits --------------------------------------------------
    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.LeftButton:
            for fleet in self.fleets.values():
                if fleet.port_contains(event.scenePos()):
                    self._connect_from = fleet
                    self._connect_line = QGraphicsLineItem(QLineF(fleet.port_center(), event.scenePos()))
                    self._connect_line.setPen(QPen(QColor(ACCENT), 2, Qt.DashLine))
                    self._connect_line.setZValue(10)
                    self.addItem(self._connect_line)
                    event.accept()
                    return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self._connect_line is not None and self._connect_from is not None:
            self._connect_line.setLine(QLineF(self._connect_from.port_center(), event.scenePos()))
            event.accept()
            return
        super().mouseMoveEvent(event)
        if event.buttons() & Qt.LeftButton and isinstance(self.mouseGrabberItem(), CanvasItem):
            # cards being dragged: keep their links attached and the site around them
            for item in self.selectedItems():
                if isinstance(item, CanvasItem):
                    self.item_moved(item)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        if self._connect_line is not None and self._connect_from is not None:
            target = self.workload_at(event.scenePos())
            source = self._connect_from
            self.removeItem(self._connect_line)
            self._connect_line, self._connect_from = None, None
            if target is not None:
                self.connectRequested.emit(source.item_id, target.item_id)
            event.accept()
            return
        super().mouseReleaseEvent(event)
        new, old = self._pending_moves()
        if new:
            self.moveFinished.emit(new, old)
