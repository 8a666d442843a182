"""twine uploads: the ``multipart/form-data`` POST of the legacy PyPI upload API."""

from __future__ import annotations

import hashlib
import json
from email.parser import BytesParser
from email.policy import HTTP
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .repository import Repository, Response


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_form(content_type: str, body: bytes) -> dict[str, str | tuple[str, bytes]]:
    """Field name -> str value, or (filename, bytes) for file fields."""
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    fields: dict[str, str | tuple[str, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):  # not a form field
            continue
        payload = part.get_payload(decode=True) or b""
        assert isinstance(payload, bytes)  # noqa: S101 - decode=True on a non-multipart part gives bytes
        filename = part.get_filename()
        fields[name] = (filename, payload) if filename else payload.decode("utf-8", "replace")
    return fields


def handle(repo: Repository, content_type: str, body: bytes) -> Response:
    if not content_type.startswith("multipart/form-data"):
        return 400, {"Content-Type": "text/plain"}, b"expected multipart/form-data\n"
    fields = parse_form(content_type, body)
    upload, project = fields.get("content"), fields.get("name")
    if (
        fields.get(":action") != "file_upload"
        or not isinstance(upload, tuple)
        or not isinstance(project, str)
        or not project
    ):
        return 400, {"Content-Type": "text/plain"}, b"not a file_upload with name and content\n"
    filename, data = upload
    digest = fields.get("sha256_digest")
    if digest and digest != sha256(data):
        return 400, {"Content-Type": "text/plain"}, b"sha256_digest does not match the content\n"
    repo.publish_wheel(filename, data, project)
    return 200, {"Content-Type": "application/json"}, json.dumps({"uploaded": filename}).encode()
