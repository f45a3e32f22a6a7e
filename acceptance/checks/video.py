"""Open audio and video with PyAV (FFmpeg): streams present, frames decode, codec and size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av

from .outcomes import CheckOutcome, CheckResult, error_detail, make_outcome

MAX_DECODED_FRAMES = 24
"""Frames (or audio frames) decoded per file: enough to prove it plays, cheap on long videos."""

# DA/T 62/63/78: MPEG-2 or H.264 video; PCM (WAV) or MP3 audio; AAC is the usual MP4 sound track.
ARCHIVE_VIDEO_CODECS = frozenset({"h264", "mpeg2video"})
ARCHIVE_AUDIO_CODECS = frozenset({"aac", "mp3", "mp3float"}) | frozenset(
    f"pcm_{kind}" for kind in ("s16le", "s24le", "s32le", "s16be", "s24be", "f32le")
)
MIN_SD = (720, 576)


def check_av(path: Path) -> list[CheckOutcome]:
    """Usability and integrity outcomes of opening ``path`` as audio or video."""
    try:
        facts = _probe(path)
    except Exception as exc:  # PyAV raises av.FFmpegError subclasses, and more on hostile input
        return [_fail_open(exc)]
    if not facts["streams"]:
        return [
            make_outcome(
                "integrity.av_streams",
                CheckResult.FAIL,
                "文件中没有任何音频或视频流，内容缺失。请上传完整的原始音视频文件。",
                "The file holds no audio or video stream: its content is missing. Upload the "
                "complete original recording.",
                container=facts["container"],
            )
        ]
    if facts["decoded"] == 0:
        return [
            _fail_open(None, **facts),
            _streams(facts),
        ]
    return [
        make_outcome(
            "usability.av_opens",
            CheckResult.PASS,
            f"音视频可以正常解码（{_describe_zh(facts)}）。",
            f"The recording decodes ({_describe_en(facts)}).",
            **facts,
        ),
        _streams(facts),
        _codec(facts),
    ]


def _probe(path: Path) -> dict[str, Any]:
    with av.open(str(path), mode="r", metadata_errors="ignore") as container:
        streams = []
        for stream in container.streams:
            if stream.type not in ("video", "audio"):
                continue
            context = stream.codec_context
            streams.append(
                {
                    "type": stream.type,
                    "codec": context.name if context else "",
                    "width": getattr(context, "width", None) or None,
                    "height": getattr(context, "height", None) or None,
                    "sample_rate": getattr(context, "sample_rate", None) or None,
                }
            )
        facts: dict[str, Any] = {
            "container": container.format.name,
            "duration_s": round(container.duration / av.time_base, 3)
            if container.duration
            else None,
            "bit_rate": container.bit_rate or None,
            "streams": streams,
            "decoded": 0,
        }
        target = container.streams.video or container.streams.audio
        if target:
            for _frame in container.decode(target[0]):
                facts["decoded"] += 1
                if facts["decoded"] >= MAX_DECODED_FRAMES:
                    break
    return facts


def _fail_open(exc: Exception | None, **detail: Any) -> CheckOutcome:
    extra = error_detail(exc) if exc is not None else {}
    return make_outcome(
        "usability.av_opens",
        CheckResult.FAIL,
        "音视频文件已损坏、不完整或编码无法识别，无法播放。请上传摄像设备导出的原始文件"
        "（MP4/H.264 为宜）。",
        "The recording is damaged, incomplete or in an unknown encoding and cannot be played. "
        "Upload the original file from the camera (MP4 with H.264 preferred).",
        **detail,
        **extra,
    )


def _streams(facts: dict[str, Any]) -> CheckOutcome:
    kinds = sorted({s["type"] for s in facts["streams"]})
    duration = facts["duration_s"]
    if duration is not None and duration <= 0:
        return make_outcome(
            "integrity.av_streams",
            CheckResult.FAIL,
            "音视频时长为 0，内容缺失。请上传完整的原始文件。",
            "The recording lasts 0 seconds: its content is missing. Upload the complete file.",
            duration_s=duration,
        )
    return make_outcome(
        "integrity.av_streams",
        CheckResult.PASS,
        f"文件包含 {len(facts['streams'])} 路音视频流（{'、'.join(kinds)}），时长 {duration} 秒。",
        f"The file has {len(facts['streams'])} stream(s) ({', '.join(kinds)}), {duration} s long.",
        kinds=kinds,
        duration_s=duration,
    )


def _codec(facts: dict[str, Any]) -> CheckOutcome:
    video = [s for s in facts["streams"] if s["type"] == "video"]
    audio = [s for s in facts["streams"] if s["type"] == "audio"]
    notes_zh, notes_en = [], []
    for stream in video:
        if stream["codec"] not in ARCHIVE_VIDEO_CODECS:
            notes_zh.append(f"视频编码 {stream['codec']} 不是 H.264 或 MPEG-2")
            notes_en.append(f"video codec {stream['codec']} is neither H.264 nor MPEG-2")
        if (
            stream["width"]
            and stream["height"]
            and (stream["width"] < MIN_SD[0] or stream["height"] < MIN_SD[1])
        ):
            notes_zh.append(f"分辨率 {stream['width']}×{stream['height']} 低于标清 720×576")
            notes_en.append(f"resolution {stream['width']}×{stream['height']} is below SD 720×576")
    for stream in audio:
        if stream["codec"] not in ARCHIVE_AUDIO_CODECS:
            notes_zh.append(f"音频编码 {stream['codec']} 不是 AAC/MP3/PCM")
            notes_en.append(f"audio codec {stream['codec']} is not AAC, MP3 or PCM")
    detail = {"streams": facts["streams"]}
    if notes_zh:
        return make_outcome(
            "usability.av_codec",
            CheckResult.WARN,
            "音视频可以播放，但不完全符合声像档案的保存要求："
            + "；".join(notes_zh)
            + "。如有原始高清素材，建议改交 MP4（H.264，720×576 以上）。",
            "The recording plays but does not fully meet the AV archive's preservation "
            "requirements: " + "; ".join(notes_en) + ". If you have the original footage, "
            "deliver MP4 (H.264, 720×576 or more) instead.",
            **detail,
        )
    return make_outcome(
        "usability.av_codec",
        CheckResult.PASS,
        "音视频编码和分辨率符合声像档案的保存要求。",
        "Codec and resolution meet the AV archive's preservation requirements.",
        **detail,
    )


def _describe_zh(facts: dict[str, Any]) -> str:
    parts = [f"{facts['container']}"]
    for stream in facts["streams"]:
        if stream["type"] == "video":
            parts.append(f"视频 {stream['codec']} {stream['width']}×{stream['height']}")
        else:
            parts.append(f"音频 {stream['codec']}")
    if facts["duration_s"] is not None:
        parts.append(f"{facts['duration_s']} 秒")
    return "，".join(parts)


def _describe_en(facts: dict[str, Any]) -> str:
    parts = [f"{facts['container']}"]
    for stream in facts["streams"]:
        if stream["type"] == "video":
            parts.append(f"video {stream['codec']} {stream['width']}×{stream['height']}")
        else:
            parts.append(f"audio {stream['codec']}")
    if facts["duration_s"] is not None:
        parts.append(f"{facts['duration_s']} s")
    return ", ".join(parts)
