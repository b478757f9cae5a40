"""The canvas view: drops from the palette, zoom, pan, fit, and the empty-canvas hint."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDragMoveEvent, QDropEvent, QFont, QMouseEvent, QPainter, QWheelEvent
from PySide6.QtWidgets import QGraphicsView

from factory_app.ui.canvas.scene import FactoryScene
from factory_app.ui.mime import read_mime
from factory_app.ui.style import MUTED

HINT = (
    "Start here\n\n"
    "1  Drag platforms from the palette into the site: each becomes a fleet\n"
    "2  Drag workloads onto a fleet (or draw a link from a fleet's port)\n"
    "3  Edit any figure in the inspector; drop a power budget to resize the site\n\n"
    "Or open an example: File ▸ New from example"
)


class FactoryView(QGraphicsView):
    #: kind ("power", "platform", "workload"), catalogue key, scene position, fleet under the drop
    dropRequested = Signal(str, str, QPointF, str)

    MIN_ZOOM, MAX_ZOOM = 0.15, 4.0

    def __init__(self, scene: FactoryScene) -> None:
        super().__init__(scene)
        self.setAcceptDrops(True)
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
        self.setDragMode(QGraphicsView.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.SmartViewportUpdate)
        self.setMinimumSize(420, 300)
        self._panning: QPointF | None = None
        self._highlight = None
        # the view follows its size (fits the factory) until the user zooms or pans it
        self._user_view = False

    @property
    def factory_scene(self) -> FactoryScene:
        return self.scene()  # type: ignore[return-value]

    # -- drops -------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if read_mime(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802
        payload = read_mime(event.mimeData())
        if not payload:
            event.ignore()
            return
        fleet = self.factory_scene.fleet_at(self.mapToScene(event.position().toPoint())) if payload[0] == "workload" else None
        self._set_highlight(fleet)
        event.acceptProposedAction()

    def dragLeaveEvent(self, event) -> None:  # noqa: N802
        self._set_highlight(None)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        payload = read_mime(event.mimeData())
        self._set_highlight(None)
        if not payload:
            event.ignore()
            return
        pos = self.mapToScene(event.position().toPoint())
        fleet = self.factory_scene.fleet_at(pos) if payload[0] == "workload" else None
        event.acceptProposedAction()
        self.dropRequested.emit(payload[0], payload[1], pos, fleet.item_id if fleet else "")

    def _set_highlight(self, fleet) -> None:
        if self._highlight is fleet:
            return
        if self._highlight is not None and self._highlight.scene() is not None:
            self._highlight.drop_highlight = False
            self._highlight.update()
        self._highlight = fleet
        if fleet is not None:
            fleet.drop_highlight = True
            fleet.update()

    # -- zoom and pan -----------------------------------------------------------------------------
    def zoom_by(self, factor: float) -> None:
        self._user_view = True
        current = self.transform().m11()
        factor = max(self.MIN_ZOOM / current, min(self.MAX_ZOOM / current, factor))
        self.scale(factor, factor)

    def zoom_level(self) -> float:
        return self.transform().m11()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        if event.modifiers() & (Qt.ControlModifier | Qt.MetaModifier):  # Ctrl+wheel zooms, wheel scrolls
            steps = event.angleDelta().y() / 120.0
            if steps:
                self.zoom_by(1.15 ** steps)
                event.accept()
                return
        super().wheelEvent(event)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if not self._user_view:  # e.g. the first layout of the window: the empty site fits too
            self.fit_to_content()

    def fit_to_content(self) -> None:
        rect = self.factory_scene.content_rect()
        if rect.isNull():
            rect = QRectF(-100, -100, 1000, 700)
        self.resetTransform()
        self.fitInView(rect.adjusted(-40, -40, 40, 40), Qt.KeepAspectRatio)
        if self.zoom_level() > 1.25:  # small factories stay at a readable size
            self.resetTransform()
            self.scale(1.25, 1.25)
            self.centerOn(rect.center())

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MiddleButton:
            self._panning = event.position()
            self.viewport().setCursor(Qt.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._panning is not None:
            delta = event.position() - self._panning
            self._panning = event.position()
            self._user_view = True
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(delta.y()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MiddleButton and self._panning is not None:
            self._panning = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    # -- empty state --------------------------------------------------------------------------
    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        s = self.factory_scene.doc.scenario
        if s.fleets or s.workloads:
            return
        painter.save()
        painter.resetTransform()
        area = QRectF(self.viewport().rect()).adjusted(40, 40, -40, -40)
        f = QFont()
        f.setPointSizeF(12)
        painter.setFont(f)
        painter.setPen(QColor(MUTED))
        box = QRectF(area.center().x() - 260, area.center().y() - 40, 520, 200)
        painter.drawText(box, Qt.AlignHCenter | Qt.AlignTop | Qt.TextWordWrap, HINT)
        painter.restore()
