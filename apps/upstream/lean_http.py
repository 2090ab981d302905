"""urllib3 connection pools whose responses read their header block without the email package.

http.client parses every response's headers with email.parser (`http.client.parse_headers`): a feed parser
built for MIME messages, about a fifth of the CPU of a SessionM call in the BFF (bench/profile_screens.py,
cProfile on CPU time). A vendor API's header block is a few `Name: value` lines. `_LeanHTTPResponse` reads them
into the same http.client.HTTPMessage the email parser would have built (same names, values and order, an
empty payload, no defects), so http.client, urllib3 (assert_header_parsing, HTTPHeaderDict) and requests see
no difference. Any block that is not plainly that (a folded line, a line without a valid field name, a
stray CR, a multipart or message content type, where the email parser keeps more state or records defects)
goes through http.client's own parse_headers, unchanged.

Only PoolAdapter's direct pools use these classes (apps/upstream/session.py); calls through a proxy keep
urllib3's own.
"""

import email.parser
import http.client
import re
from typing import Any, cast

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

# http.client's own limits (http.client._MAXLINE, _MAXHEADERS): a longer line or more headers fail as there.
_MAXLINE = 65536
_MAXHEADERS = 100

# A block of complete field lines as the email parser reads them without a defect or a fold: each a field name
# of the characters its header pattern accepts (printable ASCII but ':'), a colon, and a value with no CR or LF
# before the line's end. _FIELD_LINE's groups are what email's compat32 policy stores for such a line
# (header_source_parse: the value without its leading blanks and its line end).
_FIELD = r"([\x21-\x39\x3b-\x7e]+):[ \t]*([^\r\n]*)\r?\n"
_FIELD_LINE = re.compile(_FIELD)
_PLAIN_BLOCK = re.compile(f"(?:{_FIELD})*")
_NOT_PLAIN_CONTENT_TYPES = ("multipart/", "message/")


def read_headers(fp: Any) -> http.client.HTTPMessage:
    """The header block at `fp` as http.client.parse_headers would return it (see the module's docstring)."""
    lines: list[bytes] = []
    while True:
        line = fp.readline(_MAXLINE + 1)
        if len(line) > _MAXLINE:
            raise http.client.LineTooLong("header line")
        lines.append(line)
        if len(lines) > _MAXHEADERS:
            raise http.client.HTTPException(f"got more than {_MAXHEADERS} headers")
        if line in (b"\r\n", b"\n", b""):
            break
    text = b"".join(lines[:-1]).decode("iso-8859-1")
    if _PLAIN_BLOCK.fullmatch(text) is None:
        return _email_parsed(lines)
    message = http.client.HTTPMessage()
    message._headers = _FIELD_LINE.findall(text)  # type: ignore[attr-defined]
    content_type = message.get("content-type", "").lstrip().lower()
    if content_type.startswith(_NOT_PLAIN_CONTENT_TYPES):
        return _email_parsed(lines)
    # The email parser leaves the (empty) remainder of the block as the payload.
    message.set_payload("")
    return message


def _email_parsed(lines: list[bytes]) -> http.client.HTTPMessage:
    """What http.client.parse_headers does with the lines it has read (its email parser)."""
    text = b"".join(lines).decode("iso-8859-1")
    return email.parser.Parser(_class=http.client.HTTPMessage).parsestr(text)


class _LeanHTTPResponse(http.client.HTTPResponse):
    def begin(self) -> None:
        """http.client.HTTPResponse.begin (CPython 3.11-3.13, unchanged between them) with `read_headers` in
        place of http.client.parse_headers; everything else as there, less the debuglevel prints."""
        # None until the response has begun (typeshed declares it always set).
        if cast(http.client.HTTPMessage | None, self.headers) is not None:
            return
        while True:
            version, status, reason = self._read_status()  # type: ignore[attr-defined]
            if status != http.client.CONTINUE:
                break
            read_headers(self.fp)  # the headers of the 100 response, skipped

        self.code = self.status = status
        self.reason = reason.strip()
        if version in ("HTTP/1.0", "HTTP/0.9"):
            self.version = 10
        elif version.startswith("HTTP/1."):
            self.version = 11
        else:
            raise http.client.UnknownProtocol(version)

        self.headers = self.msg = read_headers(self.fp)

        transfer_encoding = self.headers.get("transfer-encoding")
        if transfer_encoding and transfer_encoding.lower() == "chunked":
            self.chunked = True
            self.chunk_left = None
        else:
            self.chunked = False

        self.will_close = self._check_close()  # type: ignore[attr-defined]

        self.length = None
        length = self.headers.get("content-length")
        if length and not self.chunked:
            try:
                self.length = int(length)
            except ValueError:
                self.length = None
            else:
                if self.length < 0:
                    self.length = None
        else:
            self.length = None

        if (
            status in (http.client.NO_CONTENT, http.client.NOT_MODIFIED)
            or 100 <= status < 200
            or self._method == "HEAD"  # type: ignore[attr-defined]
        ):
            self.length = 0

        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True


class _LeanHTTPConnection(HTTPConnection):
    response_class = _LeanHTTPResponse


class _LeanHTTPSConnection(HTTPSConnection):
    response_class = _LeanHTTPResponse


class LeanHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _LeanHTTPConnection


class LeanHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _LeanHTTPSConnection


POOL_CLASSES_BY_SCHEME = {"http": LeanHTTPConnectionPool, "https": LeanHTTPSConnectionPool}
