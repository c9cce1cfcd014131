"""kiosk: card-payment kiosk, market POS and parking terminal for PBOC 3.0 IC cards."""

__version__ = "0.1.0"
