"""Backup and restore of a whole installation: the database, the media files and key files.

A backup is a folder::

    manifest.json     when, from which database engine, and the SHA-256 of every file below
    database.dump     PostgreSQL: ``pg_dump --format=custom``
    database.sqlite3  the embedded SQLite default: a copy made with SQLite's online backup API
    media.tar         every file under MEDIA_ROOT (the manifest holds each one's SHA-256)
    files/<group>/…   files kept outside both that apps register (a signing key, trust roots)

An app registers such files from a ``backup.py`` module of its own (found on first use, like
``health.py``)::

    from workflows.backup import register_files
    register_files("signing", lambda: [Path(settings.MY_KEY_FILE)])

The database is dumped before the media folder is read: a stored file is written before the row
naming it commits, so every file the dump refers to is already on disk when the tar is made.

Restoring checks every digest first and changes nothing when one differs; it refuses a database
that already has tables, a media folder that already has files or a key file that differs from
the backed-up one unless told to overwrite (``force``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

MANIFEST = "manifest.json"
MEDIA_TAR = "media.tar"
DATABASE_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
FORMAT = 1
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup that cannot be made, or restored as asked; ``problems`` says each reason."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


_file_groups: dict[str, Callable[[], Iterable[Path]]] = {}


def register_files(group: str, files: Callable[[], Iterable[Path]]) -> None:
    """Back up (and restore to the same place) the files ``files()`` names, under ``group``."""
    _file_groups[group] = files


@functools.cache
def _discover() -> None:
    autodiscover_modules("backup")


@dataclass(frozen=True)
class Manifest:
    data: dict

    @property
    def media_files(self) -> dict[str, str]:
        return self.data["media"]["files"]

    def describe(self) -> str:
        database = self.data["database"]
        return (
            f"{self.data['created_at']}: {database['vendor']} database "
            f"({database['bytes']} bytes), {len(self.media_files)} media file(s), "
            f"{len(self.data['files'])} key file(s)"
        )


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _HashingReader:
    """A file read once for both the tar and its digest, so the two cannot disagree."""

    def __init__(self, handle) -> None:
        self.handle, self.digest = handle, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        self.digest.update(chunk)
        return chunk


# -- backing up ---------------------------------------------------------------------------------


def _database_settings() -> dict:
    return settings.DATABASES["default"]


def _pg_environment() -> dict[str, str]:
    db = _database_settings()
    values = {
        "PGHOST": db.get("HOST") or "",
        "PGPORT": str(db.get("PORT") or ""),
        "PGUSER": db.get("USER") or "",
        "PGPASSWORD": db.get("PASSWORD") or "",
        "PGDATABASE": db["NAME"],
    }
    return {**os.environ, **{key: value for key, value in values.items() if value}}


def _run(command: list[str]) -> None:
    result = subprocess.run(command, env=_pg_environment(), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError([f"{command[0]} failed: {result.stderr.strip()}"])


def _database_dump(target: Path) -> None:
    if connection.vendor == "postgresql":
        _run(["pg_dump", "--format=custom", f"--file={target}"])
    elif connection.vendor == "sqlite":
        source = sqlite3.connect(_database_settings()["NAME"])
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
    else:
        raise BackupError([f"no backup for a {connection.vendor} database"])


def _media_tar(target: Path) -> dict[str, str]:
    root, digests = Path(settings.MEDIA_ROOT), {}
    with tarfile.open(target, "w") as tar:
        if root.is_dir():
            for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
                name = path.relative_to(root).as_posix()
                try:
                    handle = path.open("rb")
                except FileNotFoundError:
                    continue  # deleted since the listing (a readiness probe's scratch file)
                with handle:
                    info = tar.gettarinfo(fileobj=handle, arcname=name)
                    reader = _HashingReader(handle)
                    tar.addfile(info, reader)
                digests[name] = reader.digest.hexdigest()
    return digests


def backup_create(destination: Path) -> Manifest:
    """Write a backup into the folder ``destination`` (new or empty) and return its manifest."""
    _discover()
    destination = Path(destination)
    if destination.exists() and any(destination.iterdir()):
        raise BackupError([f"{destination} is not empty"])
    destination.mkdir(parents=True, exist_ok=True)
    created_at = timezone.now()
    database_file = DATABASE_FILES.get(connection.vendor, "database")
    _database_dump(destination / database_file)
    media = _media_tar(destination / MEDIA_TAR)
    files = []
    for group, named in sorted(_file_groups.items()):
        for index, path in enumerate(Path(p) for p in named()):
            if not path.is_file():
                continue
            stored = PurePosixPath("files", group, f"{index}-{path.name}")
            (destination / stored).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination / stored)
            files.append(
                {
                    "group": group,
                    "path": str(path.resolve()),
                    "file": str(stored),
                    "mode": path.stat().st_mode & 0o777,
                    "sha256": _sha256_file(destination / stored),
                }
            )
    manifest = {
        "format": FORMAT,
        "created_at": created_at.isoformat(),
        "database": {
            "vendor": connection.vendor,
            "file": database_file,
            "bytes": (destination / database_file).stat().st_size,
            "sha256": _sha256_file(destination / database_file),
        },
        "media": {
            "file": MEDIA_TAR,
            "root": str(Path(settings.MEDIA_ROOT).resolve()),
            "files": media,
        },
        "files": files,
    }
    (destination / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return Manifest(manifest)


# -- checking -----------------------------------------------------------------------------------


def backup_read(source: Path) -> Manifest:
    try:
        data = json.loads((Path(source) / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError([f"no readable {MANIFEST} in {source}: {exc}"]) from exc
    if data.get("format") != FORMAT:
        raise BackupError([f"unknown backup format {data.get('format')!r}"])
    return Manifest(data)


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts


def backup_problems(source: Path) -> list[str]:
    """Every file of the backup whose digest differs from its manifest's, or that is missing."""
    source, manifest = Path(source), backup_read(source)
    problems = []
    database = manifest.data["database"]
    if not (source / database["file"]).is_file():
        problems.append(f"{database['file']} is missing")
    elif _sha256_file(source / database["file"]) != database["sha256"]:
        problems.append(f"{database['file']} changed since the backup")
    for entry in manifest.data["files"]:
        if not (source / entry["file"]).is_file():
            problems.append(f"{entry['file']} is missing")
        elif _sha256_file(source / entry["file"]) != entry["sha256"]:
            problems.append(f"{entry['file']} changed since the backup")
    expected, seen = manifest.media_files, set()
    try:
        with tarfile.open(source / MEDIA_TAR) as tar:
            for member in tar:
                if not member.isfile() or not _safe_member(member.name):
                    problems.append(f"media.tar holds an unexpected entry {member.name!r}")
                    continue
                seen.add(member.name)
                digest = hashlib.sha256()
                handle = tar.extractfile(member)
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
                if member.name not in expected:
                    problems.append(f"media file {member.name} is not in the manifest")
                elif digest.hexdigest() != expected[member.name]:
                    problems.append(f"media file {member.name} changed since the backup")
    except (OSError, tarfile.TarError) as exc:
        problems.append(f"media.tar is unreadable: {exc}")
    problems.extend(f"media file {name} is missing" for name in sorted(set(expected) - seen))
    return problems


# -- restoring ----------------------------------------------------------------------------------


def _occupied(manifest: Manifest) -> list[str]:
    """What restoring would overwrite: tables in the database, media files, differing keys."""
    found = []
    if connection.introspection.table_names():
        found.append(f"the database {_database_settings()['NAME']} already has tables")
    root = Path(settings.MEDIA_ROOT)
    if root.is_dir() and any(p.is_file() for p in root.rglob("*")):
        found.append(f"the media folder {root} already has files")
    for entry in manifest.data["files"]:
        path = Path(entry["path"])
        if path.is_file() and _sha256_file(path) != entry["sha256"]:
            found.append(f"{path} exists and differs from the backed-up file")
    return found


def _database_restore(source: Path, manifest: Manifest, *, force: bool) -> None:
    database = manifest.data["database"]
    if database["vendor"] != connection.vendor:
        raise BackupError(
            [f"the backup is of a {database['vendor']} database, this is {connection.vendor}"]
        )
    # Nothing of this process may hold the database while it is replaced.
    connections.close_all()
    dump = source / database["file"]
    if connection.vendor == "postgresql":
        clean = ["--clean", "--if-exists"] if force else []
        _run(
            ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
             "--single-transaction", *clean, f"--dbname={_database_settings()['NAME']}",
             str(dump)]
        )  # fmt: skip
    else:
        copy = sqlite3.connect(dump)
        target = sqlite3.connect(_database_settings()["NAME"])
        try:
            copy.backup(target)
        finally:
            target.close()
            copy.close()


def backup_restore(source: Path, *, force: bool = False) -> Manifest:
    """Restore the backup in ``source``: verified first; nothing is changed when it is refused."""
    source = Path(source)
    manifest = backup_read(source)
    problems = backup_problems(source)
    if problems:
        raise BackupError(["the backup does not match its manifest", *problems])
    if not force and (occupied := _occupied(manifest)):
        raise BackupError([*occupied, "restore with --force to overwrite"])
    _database_restore(source, manifest, force=force)
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / MEDIA_TAR) as tar:
        tar.extractall(root, filter="data")
    for entry in manifest.data["files"]:
        path = Path(entry["path"])
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / entry["file"], path)
        path.chmod(entry["mode"])
    return manifest
