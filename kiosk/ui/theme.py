"""The look: high contrast, large type and touch targets (>= 18 pt text, >= 60 px buttons).

Colours are chosen for bright sun: white or signal yellow on a dark navy ground (contrast
ratio above 12:1), green/red banners with white or dark text above 4.5:1 (WCAG 2.1 AA).
"""

from __future__ import annotations

MIN_TOUCH_PX = 60
MIN_POINT_SIZE = 18

STYLESHEET = """
QWidget { background: #0b1d2a; color: #ffffff; font-size: 20pt;
          font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; }
QPushButton { background: #ffd400; color: #0b1d2a; border: none; border-radius: 12px;
              min-height: 60px; min-width: 60px; padding: 12px 24px; font-weight: bold; }
QPushButton:pressed { background: #ffe866; }
QPushButton:disabled { background: #5b6770; color: #ffffff; }
QPushButton[role="secondary"] { background: #ffffff; color: #0b1d2a; }
QPushButton[role="danger"] { background: #ff5a4e; color: #0b1d2a; }
QPushButton[role="key"] { background: #ffffff; color: #0b1d2a; padding: 0px; }
QPushButton[role="round"] { font-size: 30pt; padding: 0px; border-radius: 40px; }
QPushButton[role="choice"] { background: #ffffff; color: #0b1d2a; padding: 4px 8px;
                             min-width: 190px; }
QPushButton[role="choice"]:checked { background: #ffd400; border: 4px solid #ffffff; }
QLabel[role="title"] { font-size: 30pt; font-weight: bold; }
QLabel[role="amount"] { font-size: 36pt; font-weight: bold; color: #ffd400; }
QLabel[role="fee"] { font-size: 60pt; font-weight: bold; color: #ffd400; }
QLabel[role="hint"] { font-size: 18pt; color: #e3e9ed; }
QLabel[role="call"] { font-size: 26pt; font-weight: bold; }
QLabel[role="item"] { font-size: 22pt; }
QLabel[role="count"] { font-size: 30pt; font-weight: bold; color: #ffd400; }
QLabel[role="warning"] { font-size: 20pt; color: #ffd400; }
QLabel[role="banner"] { font-size: 36pt; font-weight: bold; border-radius: 16px;
                        padding: 24px; background: #1f4e6b; }
QLabel[role="banner"][tone="success"] { background: #1e7b34; color: #ffffff; }
QLabel[role="banner"][tone="warning"] { background: #ffd400; color: #0b1d2a; }
QLabel[role="banner"][tone="failure"] { background: #c62828; color: #ffffff; }
QLabel[role="demo"] { font-size: 18pt; font-weight: bold; background: #ff8c00;
                      color: #0b1d2a; padding: 4px; }
QFrame[role="overlay"] { background: rgba(0, 0, 0, 200); }
QFrame[role="prompt_box"] { background: #1f4e6b; border: 4px solid #ffd400;
                            border-radius: 20px; }
QFrame[role="prompt_box"] QLabel { background: transparent; }
QWidget#gate[verdict="admit"], QWidget#gate[verdict="admit"] QLabel { background: #1e7b34; }
QWidget#gate[verdict="refuse"], QWidget#gate[verdict="refuse"] QLabel { background: #c62828; }
QLabel[role="gate"] { font-size: 60pt; font-weight: bold; }
"""
