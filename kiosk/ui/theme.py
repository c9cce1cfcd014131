"""The look: high contrast, large type and touch targets (>= 18 pt text, >= 60 px buttons)."""

from __future__ import annotations

MIN_TOUCH_PX = 60

STYLESHEET = """
QWidget { background: #0b1d2a; color: #ffffff; font-size: 20pt;
          font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; }
QPushButton { background: #ffd400; color: #0b1d2a; border: none; border-radius: 12px;
              min-height: 60px; min-width: 60px; padding: 12px 24px; font-weight: bold; }
QPushButton:pressed { background: #ffe866; }
QPushButton:disabled { background: #5b6770; color: #c9d1d6; }
QPushButton[role="secondary"] { background: #ffffff; color: #0b1d2a; }
QPushButton[role="danger"] { background: #ff5a4e; color: #ffffff; }
QLabel[role="title"] { font-size: 32pt; font-weight: bold; }
QLabel[role="amount"] { font-size: 40pt; font-weight: bold; color: #ffd400; }
QLabel[role="hint"] { font-size: 18pt; color: #c9d1d6; }
"""
