"""PC/SC readers through pyscard's ``smartcard.scard`` (the thin PC/SC binding).

``smartcard.scard`` rather than pyscard's object layer because a kiosk needs what only the raw
calls give: ``SCardGetStatusChange`` with a timeout to wait for a card and to notice the reader
leaving, the negotiated protocol (T=0 changes the transport rules), ``SCardCancel`` to stop a
wait when the customer gives up, and power-off on disconnect (EMV Book 1 §6.1.5 deactivation).

Every PC/SC failure becomes a :mod:`kiosk.payment.errors` type in one place:
:func:`map_pcsc_error` for return codes, :func:`_invoke` for pyscard's own exception. A transmit
that fails with a plain "not transacted" is checked against the reader state: if the card has
gone within ``removal_grace`` seconds, it is reported as removed — a contactless card leaving
the field, or vpcd's socket closing, fails the exchange before pcscd's presence polling
(every 0.4 s) has seen the card go.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from smartcard import scard

from kiosk.errors import UsageError
from kiosk.payment.apdu import Response
from kiosk.payment.errors import (
    CardRemovedError,
    CardTimeoutError,
    ReaderError,
    ReaderUnavailableError,
)
from kiosk.payment.reader import CardPresence, Interface, guess_interface
from kiosk.payment.reader.trace import ApduTrace, traced_exchange

__all__ = ["PCSC_ERRORS", "PcscReader", "map_pcsc_error"]

#: PC/SC return codes -> (error type, stable code). Anything else is a ``ReaderError``
#: with code ``reader.pcsc`` and the hresult in its context.
PCSC_ERRORS: dict[int, tuple[type[ReaderError], str]] = {
    # The card is gone, or its session is: re-present it.
    scard.SCARD_W_REMOVED_CARD: (CardRemovedError, "reader.card_removed"),
    scard.SCARD_E_NO_SMARTCARD: (CardRemovedError, "reader.card_removed"),
    scard.SCARD_W_UNPOWERED_CARD: (CardRemovedError, "reader.card_removed"),
    scard.SCARD_W_RESET_CARD: (CardRemovedError, "reader.card_reset"),
    # The reader, or PC/SC itself, is gone.
    scard.SCARD_E_NO_SERVICE: (ReaderUnavailableError, "reader.unavailable"),
    scard.SCARD_E_SERVICE_STOPPED: (ReaderUnavailableError, "reader.unavailable"),
    scard.SCARD_E_NO_READERS_AVAILABLE: (ReaderUnavailableError, "reader.unavailable"),
    scard.SCARD_E_READER_UNAVAILABLE: (ReaderUnavailableError, "reader.unavailable"),
    scard.SCARD_E_UNKNOWN_READER: (ReaderUnavailableError, "reader.unavailable"),
    scard.SCARD_E_INVALID_HANDLE: (ReaderUnavailableError, "reader.unavailable"),
    scard.SCARD_F_COMM_ERROR: (ReaderUnavailableError, "reader.unavailable"),
    scard.SCARD_E_SYSTEM_CANCELLED: (ReaderUnavailableError, "reader.unavailable"),
    scard.SCARD_P_SHUTDOWN: (ReaderUnavailableError, "reader.unavailable"),
    # Waiting for a card ran out.
    scard.SCARD_E_TIMEOUT: (CardTimeoutError, "reader.timeout"),
    # The reader is there but this exchange failed.
    scard.SCARD_E_CANCELLED: (ReaderError, "reader.cancelled"),
    scard.SCARD_E_SHARING_VIOLATION: (ReaderError, "reader.busy"),
    scard.SCARD_W_UNRESPONSIVE_CARD: (ReaderError, "reader.card_mute"),
    scard.SCARD_W_UNSUPPORTED_CARD: (ReaderError, "reader.card_unsupported"),
    scard.SCARD_E_CARD_UNSUPPORTED: (ReaderError, "reader.card_unsupported"),
    scard.SCARD_E_PROTO_MISMATCH: (ReaderError, "reader.card_unsupported"),
    scard.SCARD_E_INVALID_ATR: (ReaderError, "reader.card_unsupported"),
    scard.SCARD_E_NOT_TRANSACTED: (ReaderError, "reader.transmit_failed"),
    scard.SCARD_E_COMM_DATA_LOST: (ReaderError, "reader.transmit_failed"),
}

#: While a card is being powered (or just after it left), pcscd answers connect with these.
_NOT_READY_YET = {
    scard.SCARD_E_NO_SMARTCARD,
    scard.SCARD_W_REMOVED_CARD,
    scard.SCARD_W_UNPOWERED_CARD,
    scard.SCARD_E_NOT_READY,
}


def _unsigned(hresult: int) -> int:
    return hresult & 0xFFFFFFFF


def map_pcsc_error(hresult: int, operation: str, **context: Any) -> ReaderError:
    """The typed error for a failed PC/SC call (the one place return codes are mapped)."""
    hresult = _unsigned(hresult)
    kind, code = PCSC_ERRORS.get(hresult, (ReaderError, "reader.pcsc"))
    message = f"PC/SC {operation} failed: {scard.SCardGetErrorMessage(hresult).strip()}"
    return kind(message, code=code, operation=operation, hresult=f"0x{hresult:08X}", **context)


def _check(operation: str, hresult: int) -> None:
    """Raise the mapped error unless ``hresult`` is success."""
    if _unsigned(hresult) != scard.SCARD_S_SUCCESS:
        raise map_pcsc_error(hresult, operation)


def _invoke(operation: str, function: Callable[..., Any], *args: Any) -> Any:
    """Call a ``smartcard.scard`` function, mapping pyscard's own exception.

    PC/SC failures come back as return codes; ``scard.error`` is the binding's own failure
    exception, and becomes a ``ReaderError`` (``reader.pcsc``) with the original chained.
    Every pyscard call goes through here, so nothing of pyscard's escapes this module. (A
    ``TypeError`` for a wrongly typed argument is a bug here, and is left to surface.)
    """
    try:
        return function(*args)
    except scard.error as exc:
        raise ReaderError(
            f"PC/SC {operation} failed: {exc}", code="reader.pcsc", operation=operation
        ) from exc


def _call(operation: str, function: Callable[..., Any], *args: Any) -> Any:
    """:func:`_invoke`, then raise the mapped error unless the call succeeded."""
    result = _invoke(operation, function, *args)
    _check(operation, result[0] if isinstance(result, tuple | list) else result)
    return result


class PcscReader:
    """A :class:`~kiosk.payment.reader.Reader` on one PC/SC reader slot.

    ``name`` is the PC/SC reader name (``Virtual PCD 00 00``); None takes the first reader.
    ``interface`` overrides the contact/contactless guess (:func:`guess_interface`).
    """

    def __init__(
        self,
        name: str | None = None,
        *,
        interface: Interface | None = None,
        removal_grace: float = 1.0,
    ) -> None:
        self.name = name
        self.interface = interface
        self.removal_grace = removal_grace
        self._context: Any = None
        self._card: Any = None
        self._reader: str | None = None
        self._protocol = 0
        self._trace = ApduTrace()

    @property
    def trace(self) -> ApduTrace:
        return self._trace

    # --- context and readers -------------------------------------------------------------

    def _ctx(self) -> Any:
        context = self._context
        if context is not None and _invoke("check context", scard.SCardIsValidContext, context):
            self._drop_context()  # pcscd restarted since: its handles died with it
        if self._context is None:
            _, self._context = _call(
                "establish context", scard.SCardEstablishContext, scard.SCARD_SCOPE_USER
            )
        return self._context

    def _drop_context(self) -> None:
        """Forget the context so the next call establishes a new one (pcscd restarted)."""
        context, self._context, self._card = self._context, None, None
        if context is not None:
            _invoke("release context", scard.SCardReleaseContext, context)  # may be gone

    def readers(self) -> list[str]:
        """The reader names PC/SC knows now (empty when none is plugged in)."""
        hresult, names = _invoke("list readers", scard.SCardListReaders, self._ctx(), [])
        if _unsigned(hresult) == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        _check("list readers", hresult)
        return list(names)

    def _resolve_reader(self) -> str:
        names = self.readers()
        if self.name is None and names:
            return names[0]
        if self.name in names:
            return self.name
        raise ReaderUnavailableError(
            f"reader {self.name!r} is not connected" if self.name else "no PC/SC reader found",
            reader=self.name,
            available=names,
        )

    def _state(self, reader: str, known: int, timeout: float) -> int:
        """The reader's state once it differs from ``known`` or ``timeout`` s pass."""
        _, states = _call(
            "get status change",
            scard.SCardGetStatusChange,
            self._ctx(),
            max(0, int(timeout * 1000)),
            [(reader, known)],
        )
        state = int(states[0][1])
        if state & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_IGNORE):
            raise ReaderUnavailableError(f"reader {reader!r} went away", reader=reader)
        return state & ~scard.SCARD_STATE_CHANGED

    # --- the Reader protocol ----------------------------------------------------------------

    def wait_for_card(self, timeout: float) -> CardPresence:
        self.disconnect()
        deadline = time.monotonic() + timeout
        try:
            reader = self._resolve_reader()
            while True:
                self._wait_present(reader, deadline, timeout)
                connected = self._connect(reader, last_try=time.monotonic() >= deadline)
                if connected is not None:
                    return connected
                time.sleep(0.05)  # powering up, or a stale "present": look again
        except ReaderUnavailableError:
            self._drop_context()
            raise

    def _wait_present(self, reader: str, deadline: float, timeout: float) -> None:
        """Return once the reader reports a card; raise on timeout (or a mute card)."""
        state = scard.SCARD_STATE_UNAWARE
        while True:
            with contextlib.suppress(CardTimeoutError):  # the deadline check below decides
                state = self._state(reader, state, deadline - time.monotonic())
            present = state & scard.SCARD_STATE_PRESENT
            if present and not state & scard.SCARD_STATE_MUTE:
                return
            if time.monotonic() >= deadline:
                if present:
                    raise ReaderError(
                        "the card does not answer reset (inserted the wrong way?)",
                        code="reader.card_mute",
                        reader=reader,
                    )
                raise CardTimeoutError(
                    f"no card presented within {timeout:g} s", reader=reader, timeout=timeout
                )

    def _connect(self, reader: str, *, last_try: bool) -> CardPresence | None:
        """Connect to the card; None if it is not ready yet (or already gone) and time is left."""
        hresult, card, protocol = _invoke(
            "connect",
            scard.SCardConnect,
            self._ctx(),
            reader,
            scard.SCARD_SHARE_SHARED,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
        )
        if _unsigned(hresult) in _NOT_READY_YET:
            if not last_try:
                return None
            raise CardTimeoutError("no usable card presented in time", reader=reader)
        _check("connect", hresult)
        self._card, self._reader, self._protocol = card, reader, protocol
        _, _, _, _, atr = _call("status", scard.SCardStatus, card)
        atr = bytes(atr)
        interface = self.interface or guess_interface(reader, atr)
        return CardPresence(atr, interface, reader)

    def transmit(self, apdu: bytes) -> Response:
        if self._card is None:
            raise UsageError("transmit before wait_for_card", reader=self.name)
        t0 = self._protocol == scard.SCARD_PROTOCOL_T0
        try:
            return traced_exchange(self._transmit_raw, self._trace, apdu, t0=t0)
        except (CardRemovedError, ReaderUnavailableError):
            self.disconnect()  # release the dead handle; a new card needs wait_for_card
            raise

    def _transmit_raw(self, command: bytes) -> bytes:
        t0 = self._protocol == scard.SCARD_PROTOCOL_T0
        pci = scard.SCARD_PCI_T0 if t0 else scard.SCARD_PCI_T1
        hresult, response = _invoke("transmit", scard.SCardTransmit, self._card, pci, list(command))
        if _unsigned(hresult) == scard.SCARD_S_SUCCESS:
            return bytes(response)
        error = map_pcsc_error(hresult, "transmit", reader=self._reader)
        if type(error) is ReaderError and self._card_left():
            raise CardRemovedError(
                "the card left the reader during the exchange",
                operation="transmit",
                reader=self._reader,
                hresult=error.context["hresult"],
            ) from error
        raise error

    def _card_left(self) -> bool:
        """Whether the card leaves the reader within ``removal_grace`` seconds."""
        assert self._reader is not None
        deadline = time.monotonic() + self.removal_grace
        state = scard.SCARD_STATE_UNAWARE
        while True:
            try:
                state = self._state(self._reader, state, deadline - time.monotonic())
            except CardTimeoutError:
                return False
            if state & scard.SCARD_STATE_EMPTY:
                return True
            if time.monotonic() >= deadline:
                return False

    def card_present(self) -> bool:
        reader = self._reader or self._resolve_reader()
        try:
            state = self._state(reader, scard.SCARD_STATE_UNAWARE, 0)
        except ReaderUnavailableError:
            self._drop_context()
            raise
        return bool(state & scard.SCARD_STATE_PRESENT)

    def disconnect(self) -> None:
        card, self._card = self._card, None
        if card is None:
            return
        # A card or reader already gone leaves nothing to release.
        with contextlib.suppress(CardRemovedError, ReaderUnavailableError):
            _call("disconnect", scard.SCardDisconnect, card, scard.SCARD_UNPOWER_CARD)

    def cancel(self) -> None:
        """Make a :meth:`wait_for_card` running in another thread raise ``reader.cancelled``."""
        if self._context is not None:
            _invoke("cancel", scard.SCardCancel, self._context)

    def close(self) -> None:
        """Disconnect and release the PC/SC context."""
        self.disconnect()
        self._drop_context()
