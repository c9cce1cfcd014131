"""Online authorisation: the host interface, the in-process issuer simulator, ISO 8583 later."""

from kiosk.payment.host.base import AuthorizationHost, AuthorizationRequest, AuthorizationResponse

__all__ = ["AuthorizationHost", "AuthorizationRequest", "AuthorizationResponse"]
