"""File storage that stores a whole file or nothing, and says why when it cannot.

Django's ``FileSystemStorage`` writes into the final name: a write that fails partway (a full
disk, a quota, a file size limit) leaves a truncated file there, and every failure surfaces as a
bare ``OSError``. ``WholeFileSystemStorage`` writes to a hidden temporary file beside the target,
links it to its final name only once complete (atomically, never over an existing file) and
removes it on any failure; failures become ``StorageFull`` (the site answers 507) or
``StorageUnavailable`` (503), each with a message in Chinese and English.
"""

from __future__ import annotations

import errno
import logging
import os
import tempfile
from contextlib import suppress

from django.core.files.storage import FileSystemStorage

from .exceptions import WorkflowError

logger = logging.getLogger(__name__)

# Out of room: the disk, the user's quota, or the largest file this process may write.
FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
PARTIAL_PREFIX = ".partial-"


class StorageFailure(WorkflowError):
    code = "storage_failure"
    http_status = 503


class StorageFull(StorageFailure):
    code = "storage_full"
    http_status = 507  # Insufficient Storage


class StorageUnavailable(StorageFailure):
    code = "storage_unavailable"
    http_status = 503


def storage_failure(exc: OSError, name: str) -> StorageFailure:
    logger.error("file storage failed for %s: %s", name, exc)
    if exc.errno in FULL_ERRNOS:
        return StorageFull(
            "档案存储空间已满，本文件未保存（已保存的材料不受影响）。请稍后重试，并告知档案馆。",
            "the archive's storage is full and this file was not stored (records already "
            "stored are not affected); try again later and tell the archive",
        )
    return StorageUnavailable(
        "档案文件存储暂不可用，本文件未保存（已保存的材料不受影响）。请稍后重试，并告知档案馆。",
        "the archive's file storage is unavailable and this file was not stored (records "
        "already stored are not affected); try again later and tell the archive",
    )


class WholeFileSystemStorage(FileSystemStorage):
    def _save(self, name, content):
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        try:
            os.makedirs(directory, exist_ok=True)
            fd, partial = tempfile.mkstemp(dir=directory, prefix=PARTIAL_PREFIX)
        except OSError as exc:
            raise storage_failure(exc, name) from exc
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in content.chunks():
                    out.write(chunk)
            while True:
                try:
                    os.link(partial, full_path)  # fails if the name is taken, like O_EXCL
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
                    full_path = self.path(name)
            if self.file_permissions_mode is not None:
                os.chmod(full_path, self.file_permissions_mode)
        except OSError as exc:
            raise storage_failure(exc, name) from exc
        finally:
            with suppress(FileNotFoundError):
                os.unlink(partial)
        self._ensure_location_group_id(full_path)
        return os.path.relpath(full_path, self.location).replace("\\", "/")
