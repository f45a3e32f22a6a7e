"""Audio and video intake: the poster frame of a recording (the probe is in checks.video).

PyAV reads through FFmpeg's demuxer a packet at a time and seeks by timestamp, so a 2 GB video
costs no more memory than a short one.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from .photos import aspect_fit

POSTER_AT_SECONDS = 1.0
"""Where the poster frame is taken (or at a tenth of a shorter recording): past a black start."""


def poster_frame(path: Path, longest: int) -> Image.Image | None:
    """A frame of the recording's first video stream, at most ``longest`` px; None for audio.

    Raises PyAV's errors for unreadable files: the intake has already reported those.
    """
    import av  # here, where used: PyAV (FFmpeg) takes longer to load than Django

    with av.open(str(path), mode="r", metadata_errors="ignore") as container:
        if not container.streams.video:
            return None
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        duration = container.duration / av.time_base if container.duration else 0.0
        at = min(POSTER_AT_SECONDS, duration / 10) if duration else 0.0
        if at > 0 and stream.time_base:
            # Seeks to the keyframe before ``at``; decoding forward then finds the frame.
            container.seek(int(at / stream.time_base), stream=stream, backward=True)
        image = None
        for frame in container.decode(stream):
            image = frame.to_image()
            if frame.time is None or frame.time >= at:
                break
    if image is None:
        return None
    image.thumbnail(aspect_fit(image.size, longest), Image.Resampling.LANCZOS)
    return image.convert("RGB")
