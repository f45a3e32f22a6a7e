"""The upload handler of the host site: stream to disk and stop at the largest size accepted.

Django hands an upload larger than ``FILE_UPLOAD_MAX_MEMORY_SIZE`` to this handler, which writes
it chunk by chunk to a temporary file (a ``TemporaryUploadedFile``); past
``ACCEPTANCE_MAX_UPLOAD_BYTES`` it deletes what it wrote and stops reading the request, so a
runaway upload fills neither memory nor the disk. ``material_upload`` then applies the limit of
the record's kind while hashing.
"""

from __future__ import annotations

from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler

from .conf import setting


class LimitedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        self.limit = setting("ACCEPTANCE_MAX_UPLOAD_BYTES")

    def receive_data_chunk(self, raw_data: bytes, start: int):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.file.close()  # a NamedTemporaryFile: closing deletes it
            raise StopUpload(connection_reset=True)
        return super().receive_data_chunk(raw_data, start)
