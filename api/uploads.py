"""Reading a multipart upload: one file and its text fields, with the size limit enforced while streaming."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

FIELD = "file"
MULTIPART_OVERHEAD = 64 * 1024
# Files above this size go to a temporary file while the body streams in, so each upload
# in flight keeps at most this much of its file in memory.
SPOOL_BYTES = 128 * 1024


@dataclass(frozen=True)
class Upload:
    """A parsed upload whose file is still in the parser's spooled file (on disk above 1 MB).

    Reading the bytes into memory is a separate step, so that a caller can bound how many
    uploads it keeps in memory at once without letting slow senders hold up the others.
    """

    file: UploadFile
    fields: dict[str, list[str]]
    """Text fields of the form by name, each with its values in the order sent."""
    form: FormData
    max_file_bytes: int

    async def read(self) -> bytes:
        data = await self.file.read()
        if len(data) > self.max_file_bytes:
            raise HTTPException(413, _too_large(self.max_file_bytes))
        return data

    async def close(self) -> None:
        await self.form.close()


async def read_body(request: Request, limit: int) -> bytes:
    """Read the request body, raising 413 as soon as it grows past `limit` bytes."""
    return b"".join([chunk async for chunk in limited_stream(request, limit)])


async def limited_stream(
    request: Request, limit: int, stated_limit: int | None = None
) -> AsyncGenerator[bytes, None]:
    """Yield the body in chunks as they arrive; raise 413 once they add up to more than `limit` bytes.

    The error names `stated_limit` when given: the limit documented for clients, without internal margins.
    """
    message = _too_large(stated_limit if stated_limit is not None else limit)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, message)

    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, message)
        yield chunk


async def read_upload(request: Request, max_file_bytes: int) -> Upload:
    """Parse the form and return its single file (unread) in the field `file`, with its text fields.

    The caller must `close()` the returned upload.
    """
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise HTTPException(
            415,
            f"Expected a multipart/form-data body with the screenshot in the field '{FIELD}', "
            f"got content type {content_type or 'none'!r}",
        )

    # The parser reads the body as it streams in, so the whole body is never held twice.
    body = limited_stream(request, max_file_bytes + MULTIPART_OVERHEAD, stated_limit=max_file_bytes)
    parser = MultiPartParser(request.headers, body, max_files=4, max_fields=16)
    parser.spool_max_size = SPOOL_BYTES
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise HTTPException(
            400,
            f"Malformed multipart body ({exc.message}); send one part named '{FIELD}' "
            "with part headers under 4 KiB (a filename of a few hundred characters at most)",
        ) from None

    try:
        return _single_file(form, max_file_bytes)
    except HTTPException:
        await form.close()
        raise


def _single_file(form: FormData, max_file_bytes: int) -> Upload:
    """Return the form's one file, in the field `file`, with its text fields."""
    if not form.multi_items():
        raise HTTPException(
            400,
            f"The multipart body contains no complete part; send one part named '{FIELD}' "
            "(a body cut off before its closing boundary has none)",
        )
    named = form.getlist(FIELD)
    if named and not isinstance(named[0], UploadFile):
        raise HTTPException(
            422,
            f"The field '{FIELD}' contains text, not a file; send the screenshot as a file part "
            f"(with curl: -F {FIELD}=@screenshot.png)",
        )
    if not named:
        fields = sorted({key for key, _ in form.multi_items()})
        raise HTTPException(422, f"Expected one file in the multipart field '{FIELD}', got fields {fields}")
    files = [value for _, value in form.multi_items() if isinstance(value, UploadFile)]
    if len(files) > 1:
        raise HTTPException(
            422, f"Expected exactly one file, got {len(files)}; upload each screenshot as its own job"
        )

    text_fields: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            text_fields.setdefault(key, []).append(value)
    upload = named[0]
    assert isinstance(upload, UploadFile)
    return Upload(upload, text_fields, form, max_file_bytes)


def _too_large(limit: int) -> str:
    readable = f"{limit / 2**20:.3g} MiB" if limit >= 2**20 else f"{limit / 2**10:.3g} KiB"
    return f"Upload is larger than the limit of {limit} bytes ({readable})"
