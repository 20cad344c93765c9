"""The broker's errors, answered as Problem Details (RFC 7807) with the error types and status codes of
ETSI GS CIM 009 (clause 5.5.2); those the spec does not name (401, 403, 405, 406, 413, 415) are
answered with ``about:blank`` and the HTTP status's title, as RFC 7807 says."""

from __future__ import annotations

ERRORS = "https://uri.etsi.org/ngsi-ld/errors/"


class NgsiError(Exception):
    status = 400
    name = ""  # the spec's error type (after ERRORS); empty: about:blank
    title = ""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail

    @property
    def type(self) -> str:
        return ERRORS + self.name if self.name else "about:blank"

    def problem(self) -> dict[str, object]:
        return {
            "type": self.type,
            "title": self.title or self.name,
            "status": self.status,
            "detail": self.detail,
        }


class InvalidRequest(NgsiError):
    status, name, title = (
        400,
        "InvalidRequest",
        "The request associated to the operation is syntactically invalid",
    )


class BadRequestData(NgsiError):
    status, name, title = (
        400,
        "BadRequestData",
        "The request includes input data which does not meet the requirements of the operation",
    )


class ResourceNotFound(NgsiError):
    status, name, title = 404, "ResourceNotFound", "The referred element does not exist"


class NonexistentTenant(NgsiError):
    status, name, title = 404, "NonexistentTenant", "The addressed tenant does not exist"


class AlreadyExists(NgsiError):
    status, name, title = 409, "AlreadyExists", "The referred element already exists"


class OperationNotSupported(NgsiError):
    status, name, title = 422, "OperationNotSupported", "The operation is not supported"


class LdContextNotAvailable(NgsiError):
    status, name, title = (
        503,
        "LdContextNotAvailable",
        "A remote JSON-LD @context referenced in a request cannot be retrieved",
    )


class Unauthorized(NgsiError):
    status, title = 401, "Unauthorized"


class Forbidden(NgsiError):
    status, title = 403, "Forbidden"


class MethodNotAllowed(NgsiError):
    status, title = 405, "Method Not Allowed"


class NotAcceptable(NgsiError):
    status, title = 406, "Not Acceptable"


class PayloadTooLarge(NgsiError):
    status, title = 413, "Payload Too Large"


class UnsupportedMediaType(NgsiError):
    status, title = 415, "Unsupported Media Type"
