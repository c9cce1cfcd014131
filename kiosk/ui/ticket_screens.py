"""Ticket mode, before payment: the attract loop, choosing tickets, and the order summary.

These screens only show state and emit what the visitor chose; :mod:`kiosk.ui.ticket_flow`
decides what happens next and owns the cart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent, QPixmap
from PySide6.QtWidgets import QButtonGroup, QGridLayout, QHBoxLayout, QLabel

from kiosk.money import format_fen
from kiosk.sales.order import OrderDraft
from kiosk.sales.tickets import Catalog, TicketProduct, TimeSlot, describe
from kiosk.ui.signals import emit
from kiosk.ui.widgets import Page, button, label

translate = QCoreApplication.translate
IMAGES = Path(__file__).resolve().parents[2] / "assets" / "images"
#: Most tickets of one kind in one order (a group larger than this buys at the counter).
MAX_PER_PRODUCT = 20


class AttractScreen(Page):
    """Rotating pictures of the site and "touch to start"; any touch starts a purchase."""

    touched = Signal()

    def __init__(self, merchant: str, *, rotate_ms: int = 6000) -> None:
        super().__init__("attract")
        self._merchant = merchant
        self.picture = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.picture.setObjectName("picture")
        self.picture.setMinimumHeight(300)
        self._pictures = [QPixmap(str(p)) for p in sorted(IMAGES.glob("attract_*.png"))]
        self.index = 0
        self.hint = label("call", name="touch_hint")
        self.body.addWidget(self.picture, 1)
        self.body.addWidget(self.hint)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.next_picture)
        self.timer.start(rotate_ms)
        self._show_picture()
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.title.setText(self._merchant)
        self.hint.setText(translate("Attract", "Touch the screen to buy tickets"))

    def next_picture(self) -> None:
        if self._pictures:
            self.index = (self.index + 1) % len(self._pictures)
            self._show_picture()

    def _show_picture(self) -> None:
        if self._pictures:
            self.picture.setPixmap(
                self._pictures[self.index].scaled(
                    900,
                    420,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if not self.language_button.geometry().contains(event.position().toPoint()):
            emit(self.touched)
        super().mousePressEvent(event)


class _ProductRow:
    """One product: name, price, note, entry-time choice, and − count + buttons."""

    def __init__(
        self, product: TicketProduct, grid: QGridLayout, row: int, changed: Callable[[], None]
    ) -> None:
        self.product = product
        self.count = 0
        self.name = label("item", wrap=True)
        self.name.setTextFormat(Qt.TextFormat.RichText)  # the name bold, the note smaller
        self.name.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.minus = button(f"minus_{product.code}", "round", height=80)
        self.plus = button(f"plus_{product.code}", "round", height=80)
        self.minus.setText("−")
        self.plus.setText("+")
        self.minus.setFixedWidth(80)
        self.plus.setFixedWidth(80)
        self.shown = label("count", name=f"count_{product.code}")
        self.shown.setFixedWidth(70)
        self.slots = QButtonGroup()
        self.slots.setExclusive(True)
        slot_box = QHBoxLayout()
        for i, slot in enumerate(product.slots):
            b = button(f"slot_{product.code}_{i}", "choice", height=80)
            b.setCheckable(True)
            b.setText(slot.label())
            self.slots.addButton(b, i)
            slot_box.addWidget(b)
        self.slots.idClicked.connect(lambda _i: changed())
        self.minus.clicked.connect(lambda: self._step(-1, changed))
        self.plus.clicked.connect(lambda: self._step(+1, changed))
        grid.addWidget(self.name, row, 0)
        grid.addLayout(slot_box, row, 1)
        grid.addWidget(self.minus, row, 2)
        grid.addWidget(self.shown, row, 3)
        grid.addWidget(self.plus, row, 4)
        self._grid, self._slot_box = grid, slot_box
        self.limit = MAX_PER_PRODUCT
        self.update()

    def _step(self, delta: int, changed: Callable[[], None]) -> None:
        self.count = max(0, min(self.count + delta, self.limit))
        self.update()
        changed()

    @property
    def slot(self) -> TimeSlot | None:
        chosen = self.slots.checkedId()
        return self.product.slots[chosen] if chosen >= 0 else None

    def update(self) -> None:
        self.shown.setText(str(self.count))
        self.minus.setEnabled(self.count > 0)
        self.plus.setEnabled(self.count < self.limit)

    def retranslate(self, language: str) -> None:
        p = self.product
        note = p.note_zh if language == "zh_CN" else p.note_en
        if self.limit == 0:
            note = translate("Products", "Sold out today")
        text = f"<b>{escape(p.name(language))}</b>  {format_fen(p.price_fen)}"
        # The note at 18 pt, the smallest the kiosk shows, under the name and price.
        self.name.setText(
            text + (f'<br><span style="font-size:18pt">{escape(note)}</span>' if note else "")
        )

    def remove(self) -> None:
        """Take the row off the screen (the catalog it showed was replaced)."""
        self._grid.removeItem(self._slot_box)
        for widget in (self.name, self.minus, self.shown, self.plus, *self.slots.buttons()):
            self._grid.removeWidget(widget)
            widget.hide()  # at once: deleteLater waits for the event loop
            widget.deleteLater()

    def reset(self) -> None:
        self.count = 0
        self.slots.setExclusive(False)
        for b in self.slots.buttons():
            b.setChecked(False)
        self.slots.setExclusive(True)
        self.update()


class ProductsScreen(Page):
    """Choose ticket kinds and counts; the running total updates on every touch."""

    next_clicked = Signal()
    cancel_clicked = Signal()
    changed = Signal()

    def __init__(self, catalog: Catalog, language: Callable[[], str]) -> None:
        super().__init__("products")
        self._language = language
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(10)
        grid.setColumnStretch(0, 1)
        self._grid, self._catalog = grid, catalog
        self.rows = self._rows(catalog)
        self.total = label("amount", name="total")
        self.message = label("warning", name="message")
        self.cancel = button("cancel", "secondary")
        self.next = button("next")
        bottom = QHBoxLayout()
        bottom.addWidget(self.cancel, 1)
        bottom.addWidget(self.total, 2)
        bottom.addWidget(self.next, 1)
        self.body.addLayout(grid)
        self.body.addStretch()
        self.body.addWidget(self.message)
        self.body.addLayout(bottom)
        self.cancel.clicked.connect(self.cancel_clicked)
        self.next.clicked.connect(self.next_clicked)
        self._changed()
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.title.setText(translate("Products", "Choose your tickets"))
        self.cancel.setText(translate("Products", "Cancel"))
        self.next.setText(translate("Products", "Next"))
        for row in self.rows.values():
            row.retranslate(self._language())
        self._changed()

    def _changed(self) -> None:
        total = sum(r.count * r.product.price_fen for r in self.rows.values())
        self.total.setText(translate("Products", "Total %1").replace("%1", format_fen(total)))
        self.next.setEnabled(total > 0 or any(r.count for r in self.rows.values()))
        self.message.setText("")
        emit(self.changed)

    def cart(self) -> tuple[dict[str, int], dict[str, TimeSlot]]:
        counts = {code: r.count for code, r in self.rows.items() if r.count}
        slots = {code: r.slot for code, r in self.rows.items() if r.slot is not None}
        return counts, slots

    def set_limits(self, left: Mapping[str, int]) -> None:
        """Cap each product's count at the quota left today (``left``: code -> tickets)."""
        for code, row in self.rows.items():
            row.limit = max(0, min(MAX_PER_PRODUCT, left.get(code, MAX_PER_PRODUCT)))
            row.count = min(row.count, row.limit)
            row.update()
        self.retranslate()

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    def _rows(self, catalog: Catalog) -> dict[str, _ProductRow]:
        return {
            p.code: _ProductRow(p, self._grid, i, self._changed)
            for i, p in enumerate(catalog.products)
        }

    def set_catalog(self, catalog: Catalog) -> None:
        """Show ``catalog`` from now on (a parameter bundle's, put in effect as a sale
        starts); the rows are rebuilt only when it is another catalog."""
        if catalog is self._catalog:
            return
        for row in self.rows.values():
            row.remove()
        self._catalog, self.rows = catalog, self._rows(catalog)
        self.retranslate()

    def reset(self) -> None:
        for row in self.rows.values():
            row.reset()
        self._changed()


class SummaryScreen(Page):
    """The order to pay, line by line, and the card discounts the visitor may get."""

    pay_clicked = Signal()
    back_clicked = Signal()

    def __init__(self, catalog: Catalog, language: Callable[[], str]) -> None:
        super().__init__("summary")
        self._catalog, self._language = catalog, language
        self._draft: OrderDraft | None = None
        self.lines = label("item", name="lines")
        self.lines.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.discounts = label("hint", name="discounts")
        self.discounts.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.total = label("amount", name="total")
        self.back = button("back", "secondary")
        self.pay = button("pay")
        bottom = QHBoxLayout()
        bottom.addWidget(self.back, 1)
        bottom.addWidget(self.pay, 2)
        self.body.addWidget(self.lines)
        self.body.addWidget(self.discounts)
        self.body.addStretch()
        self.body.addWidget(self.total)
        self.body.addLayout(bottom)
        self.back.clicked.connect(self.back_clicked)
        self.pay.clicked.connect(self.pay_clicked)
        self.retranslate()

    def set_catalog(self, catalog: Catalog) -> None:
        """The catalog whose discount rules and names the summary shows (see ProductsScreen)."""
        self._catalog = catalog

    def show_draft(self, draft: OrderDraft) -> None:
        self._draft = draft
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        language = self._language()
        self.title.setText(translate("Summary", "Your order"))
        self.back.setText(translate("Summary", "Change"))
        self.pay.setText(translate("Summary", "Pay by card"))
        rules = [d.name(language) for d in self._catalog.discounts]
        separator = "；" if language == "zh_CN" else "; "
        self.discounts.setText(
            translate(
                "Summary",
                "Card discounts: %1. The discount is worked out when your card is read and "
                "printed on your receipt. Co-branded card and e-cash discounts need the card "
                "inserted, not tapped.",
            ).replace("%1", separator.join(rules))
            if rules
            else ""
        )
        draft = self._draft
        if draft is None:
            return
        rows = []
        for li in draft.lines:
            product = self._catalog.by_code[li.sku]
            slot = f" ({li.meta['slot']})" if li.meta.get("slot") else ""
            rows.append(
                f"{product.name(language)}{slot} × {li.quantity}\u00a0\u00a0"
                f"{format_fen(li.amount_fen)}"
            )
        discount = draft.meta.get("discount")
        if discount:
            rows.append(describe(discount, language))
        self.lines.setText("\n".join(rows))
        self.total.setText(
            translate("Summary", "To pay %1").replace("%1", format_fen(draft.total_fen))
        )
