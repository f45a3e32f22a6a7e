"""The upload handler of the host site: stream to disk and stop at the largest size accepted.

Django hands an upload larger than ``FILE_UPLOAD_MAX_MEMORY_SIZE`` to this handler, which writes
it chunk by chunk to a temporary file (a ``TemporaryUploadedFile``); past
``ACCEPTANCE_MAX_UPLOAD_BYTES`` it deletes what it wrote and stops reading the request, so a
runaway upload fills neither memory nor the disk. ``material_upload`` then applies the limit of
the record's kind while hashing.

A reader that must answer the sender clearly and check a signature over the whole body (a
partner's answer) asks for ``read_rest``: the rest of the request is then read and discarded,
still never stored, and ``request.upload_too_large`` names the file that was stopped.
"""

from __future__ import annotations

from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler

from .conf import setting


class LimitedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    def __init__(self, request=None, *, read_rest: bool = False) -> None:
        super().__init__(request)
        self.read_rest = read_rest

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        self.limit = setting("ACCEPTANCE_MAX_UPLOAD_BYTES")

    def receive_data_chunk(self, raw_data: bytes, start: int):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.file.close()  # a NamedTemporaryFile: closing deletes it
            if self.request is not None:
                self.request.upload_too_large = self.file_name
            raise StopUpload(connection_reset=not self.read_rest)
        return super().receive_data_chunk(raw_data, start)
