from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .material import Material


def media_derivative_path(item: "MediaItem", filename: str) -> str:
    # Beside the original's content address; a derivative never replaces the original.
    sha = item.material.sha256
    return f"media/{item.material.case.reference}/{sha[:2]}/{sha}-{filename}"


class MediaItem(models.Model):
    """声像档案条目: what intake learnt about one photo or recording, and its description.

    The material holds the original file, its digest, status and title (题名); this row holds
    the derivatives (thumbnail, screen preview, poster frame), the facts read from the file
    (EXIF, stream probe), the perceptual hash and the DA/T 50 caption fields.
    """

    material = models.OneToOneField(Material, on_delete=models.CASCADE, related_name="media")
    # Denormalised from the material so duplicates are looked up per case on one index.
    case = models.ForeignKey("acceptance.Case", on_delete=models.CASCADE, related_name="+")
    facts = models.JSONField(_("facts read from the file"), default=dict, blank=True)
    exif = models.JSONField(default=dict, blank=True)
    # 64-bit perceptual hash (hex) of the upright image; "" when the photo did not decode.
    phash = models.CharField(max_length=16, blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    thumbnail = models.FileField(upload_to=media_derivative_path, max_length=300, blank=True)
    preview = models.FileField(upload_to=media_derivative_path, max_length=300, blank=True)
    # DA/T 50 caption (说明): title is the material's title (题名).
    taken_at = models.DateTimeField(_("time 时间"), null=True, blank=True)
    place = models.CharField(_("place 地点"), max_length=200, blank=True)
    people = models.CharField(_("people 人物"), max_length=300, blank=True)
    background = models.TextField(_("background 背景"), blank=True)
    photographer = models.CharField(_("photographer 摄影者"), max_length=100, blank=True)
    group = models.CharField(_("group 组"), max_length=100, blank=True)
    number = models.PositiveIntegerField(_("number 张号"), null=True, blank=True)

    CAPTION_FIELDS = ("taken_at", "place", "people", "background", "photographer")

    class Meta:
        verbose_name = _("audio-visual item")
        indexes = [models.Index(fields=("case", "phash"), name="acceptance_media_case_phash")]

    def __str__(self) -> str:
        return f"{self.material} (media)"

    @property
    def missing_caption(self) -> list[str]:
        """Caption fields (of title, time, place, people, background, photographer) left empty."""
        missing = [] if self.material.title.strip() else ["title"]
        return missing + [name for name in self.CAPTION_FIELDS if not getattr(self, name)]


class MediaCheckRun(models.Model):
    """The process's AV check of one set (one ``check_media`` service job), split into chunks.

    Each chunk (``MediaCheckChunk``) is an outbox job any worker takes. The chunk that finds
    every other chunk finished, under this row's lock, completes the set once: duplicates
    across the set, caption prefill, and the result delivered to the waiting service task.
    """

    service_job = models.OneToOneField(
        "workflows.ServiceJob", on_delete=models.CASCADE, related_name="media_check"
    )
    case = models.ForeignKey("acceptance.Case", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("AV check of a set")

    def __str__(self) -> str:
        return f"AV check of case {self.case_id} (job {self.service_job_id})"


class MediaCheckChunk(models.Model):
    """Some of a set's photos and recordings, checked by one outbox job.

    ``finished_at`` is set in the transaction of the chunk's checks: a worker killed before
    its commit leaves the chunk unfinished (the lease hands its job out again) and nothing
    counted; a job run again after the commit finds it finished and does nothing.
    """

    run = models.ForeignKey(MediaCheckRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    materials = models.JSONField(default=list)
    job = models.ForeignKey(
        "workflows.OutboxJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Of ``materials``: those examined by this chunk (not a result reused), and those failed.
    examined = models.JSONField(default=list)
    failed = models.JSONField(default=list)
    # Which worker process checked it (host:pid), from when: where the set's time went.
    worker = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("chunk of an AV check")
        constraints = [
            models.UniqueConstraint(fields=("run", "index"), name="acceptance_media_chunk_unique")
        ]

    def __str__(self) -> str:
        return f"chunk {self.index} of {self.run}"
