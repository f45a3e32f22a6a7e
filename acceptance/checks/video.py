"""Open audio and video with PyAV (FFmpeg): streams present, frames decode, codec and size."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .formats import AUDIO_FORMATS, format_label
from .outcomes import CheckOutcome, CheckResult, error_detail, make_outcome

MAX_DECODED_FRAMES = 24
"""Frames (or audio frames) decoded per file: enough to prove it plays, cheap on long videos."""


@dataclass(frozen=True)
class AvRules:
    """What the archive asks of a recording (after DA/T 62/63/78); a miss is a warning.

    Defaults: MPEG-2 or H.264 video, PCM (WAV), MP3 or AAC (the usual MP4 sound track) audio,
    at least SD 720×576, 8 Mbit/s (the SD digitization master), 25 frames/s (PAL) and a
    44.1 kHz sample rate. ``0`` switches a minimum off. Hosts override fields with the
    ``ACCEPTANCE_AV_RULES`` setting.
    """

    video_codecs: frozenset[str] = frozenset({"h264", "mpeg2video"})
    audio_codecs: frozenset[str] = frozenset({"aac", "mp3", "mp3float"}) | frozenset(
        f"pcm_{kind}" for kind in ("s16le", "s24le", "s32le", "s16be", "s24be", "f32le")
    )
    min_width: int = 720
    min_height: int = 576
    min_bit_rate: int = 8_000_000
    min_frame_rate: float = 25.0
    min_sample_rate: int = 44_100

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> AvRules:
        """Rules with the fields named in ``values`` replaced; unknown names are refused."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown AV rule(s) {unknown}; known: {sorted(known)}")
        cleaned = {
            name: frozenset(value) if name.endswith("_codecs") else value
            for name, value in values.items()
        }
        return cls(**cleaned)


DEFAULT_AV_RULES = AvRules()


def check_av(
    path: Path, rules: AvRules = DEFAULT_AV_RULES, fmt: str = "unknown"
) -> list[CheckOutcome]:
    """Usability and integrity outcomes of opening ``path`` (sniffed as ``fmt``) as audio or
    video; messages name the format and give advice for sound or for moving pictures."""
    try:
        facts = probe_av(path)
    except Exception as exc:  # PyAV raises av.FFmpegError subclasses, and more on hostile input
        return [_fail_open(exc, fmt, audio_only=fmt in AUDIO_FORMATS)]
    facts["format"] = fmt
    audio_only = not any(s["type"] == "video" for s in facts["streams"])
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
            _fail_open(None, fmt, audio_only=audio_only, **facts),
            _streams(facts),
        ]
    described_zh, described_en = _describe(facts)
    return [
        make_outcome(
            "usability.av_opens",
            CheckResult.PASS,
            f"音视频可以正常解码（{described_zh}）。",
            f"The recording decodes ({described_en}).",
            **facts,
        ),
        _streams(facts),
        _codec(facts, rules, audio_only),
        _quality(facts, rules),
    ]


def probe_av(path: Path) -> dict[str, Any]:
    """Container, duration, bit rate and each stream's codec, size, frame and sample rate.

    Reads the file through FFmpeg's demuxer, a packet at a time: a long video costs no more
    memory than a short one. Decodes at most ``MAX_DECODED_FRAMES`` frames (``decoded``).
    An attached picture (album art in an MP3, M4A or FLAC) is listed in ``cover_art``, not
    as a video stream.
    """
    import av  # here, where used: PyAV (FFmpeg) takes longer to load than Django

    with av.open(str(path), mode="r", metadata_errors="ignore") as container:
        streams = []
        cover_art = []
        for stream in container.streams:
            if stream.type not in ("video", "audio"):
                continue
            context = stream.codec_context
            video = stream.type == "video"
            if video and stream.disposition & av.stream.Disposition.attached_pic:
                cover_art.append(context.name if context else "")
                continue
            rate = stream.average_rate if video else None
            streams.append(
                {
                    "type": stream.type,
                    "codec": context.name if context else "",
                    "width": getattr(context, "width", None) or None,
                    "height": getattr(context, "height", None) or None,
                    "frame_rate": round(float(rate), 3) if rate else None,
                    "bit_rate": stream.bit_rate or None,
                    "sample_rate": getattr(context, "sample_rate", None) or None,
                    "channels": (context.channels or None) if not video and context else None,
                }
            )
        facts: dict[str, Any] = {
            "container": container.format.name,
            "duration_s": round(container.duration / av.time_base, 3)
            if container.duration
            else None,
            "bit_rate": container.bit_rate or None,
            "streams": streams,
            "cover_art": cover_art,
            "decoded": 0,
        }
        target = [
            s
            for s in (*container.streams.video, *container.streams.audio)
            if not s.disposition & av.stream.Disposition.attached_pic
        ]
        if target:
            for _frame in container.decode(target[0]):
                facts["decoded"] += 1
                if facts["decoded"] >= MAX_DECODED_FRAMES:
                    break
    return facts


def _fail_open(exc: Exception | None, fmt: str, *, audio_only: bool, **detail: Any) -> CheckOutcome:
    extra = error_detail(exc) if exc is not None else {}
    label_zh, label_en = format_label(fmt, "zh"), format_label(fmt, "en")
    if audio_only:
        advice_zh = "请上传录音设备或软件导出的原始文件（WAV 或 MP3 为宜）。"
        advice_en = "Upload the original file from the recorder or audio software (WAV or MP3)."
    else:
        advice_zh = "请上传摄像设备导出的原始文件（MP4/H.264 为宜）。"
        advice_en = "Upload the original file from the camera (MP4 with H.264 preferred)."
    return make_outcome(
        "usability.av_opens",
        CheckResult.FAIL,
        f"{label_zh}文件已损坏、不完整或编码无法识别，无法播放。" + advice_zh,
        f"The {label_en} file is damaged, incomplete or in an unknown encoding and cannot be "
        "played. " + advice_en,
        **{"format": fmt, **detail},
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
        f"文件包含 {len(facts['streams'])} 路音视频流（{'、'.join(_KIND_ZH[k] for k in kinds)}），"
        f"时长 {_seconds(duration, 'zh')} 秒。",
        f"The file has {len(facts['streams'])} stream(s) ({', '.join(kinds)}), "
        f"{_seconds(duration, 'en')} s long.",
        kinds=kinds,
        duration_s=duration,
    )


_KIND_ZH = {"audio": "音频", "video": "视频"}


def _seconds(duration: float | None, lang: str) -> str:
    """A duration for people: tenths under a minute, whole seconds above."""
    if duration is None:
        return "未知" if lang == "zh" else "unknown"
    return f"{duration:.1f}" if duration < 60 else f"{duration:.0f}"


def _codec(facts: dict[str, Any], rules: AvRules, audio_only: bool) -> CheckOutcome:
    video = [s for s in facts["streams"] if s["type"] == "video"]
    audio = [s for s in facts["streams"] if s["type"] == "audio"]
    notes_zh, notes_en = [], []
    for stream in video:
        if stream["codec"] not in rules.video_codecs:
            notes_zh.append(f"视频编码 {stream['codec']} 不是 H.264 或 MPEG-2")
            notes_en.append(f"video codec {stream['codec']} is neither H.264 nor MPEG-2")
        if (
            stream["width"]
            and stream["height"]
            and (stream["width"] < rules.min_width or stream["height"] < rules.min_height)
        ):
            size = f"{rules.min_width}×{rules.min_height}"
            notes_zh.append(f"分辨率 {stream['width']}×{stream['height']} 低于 {size}")
            notes_en.append(f"resolution {stream['width']}×{stream['height']} is below {size}")
    for stream in audio:
        if stream["codec"] not in rules.audio_codecs:
            notes_zh.append(f"音频编码 {stream['codec']} 不是 AAC/MP3/PCM")
            notes_en.append(f"audio codec {stream['codec']} is not AAC, MP3 or PCM")
    detail = {"streams": facts["streams"], "cover_art": facts.get("cover_art", [])}
    if audio_only:
        advice_zh = "如有原始录音，建议改交 WAV（无损）或 MP3。"
        advice_en = "If you have the original recording, deliver WAV (lossless) or MP3 instead."
        pass_zh, pass_en = "音频编码符合声像档案的保存要求。", "The audio codec meets"
    else:
        size = f"{rules.min_width}×{rules.min_height}"
        advice_zh = f"如有原始高清素材，建议改交 MP4（H.264，{size} 以上）。"
        advice_en = (
            f"If you have the original footage, deliver MP4 (H.264, {size} or more) instead."
        )
        pass_zh, pass_en = "音视频编码和分辨率符合声像档案的保存要求。", "Codec and resolution meet"
    if notes_zh:
        return make_outcome(
            "usability.av_codec",
            CheckResult.WARN,
            "音视频可以播放，但不完全符合声像档案的保存要求："
            + "；".join(notes_zh)
            + "。"
            + advice_zh,
            "The recording plays but does not fully meet the AV archive's preservation "
            "requirements: " + "; ".join(notes_en) + ". " + advice_en,
            **detail,
        )
    return make_outcome(
        "usability.av_codec",
        CheckResult.PASS,
        pass_zh,
        f"{pass_en} the AV archive's preservation requirements.",
        **detail,
    )


def _quality(facts: dict[str, Any], rules: AvRules) -> CheckOutcome:
    """Bit rate, frame rate and sample rate against the archive's minimums."""
    notes_zh, notes_en = [], []
    has_video = any(s["type"] == "video" for s in facts["streams"])
    bit_rate = facts["bit_rate"]
    if has_video and rules.min_bit_rate and bit_rate and bit_rate < rules.min_bit_rate:
        notes_zh.append(
            f"码率 {bit_rate / 1e6:.2f} Mbit/s 低于 {rules.min_bit_rate / 1e6:g} Mbit/s"
        )
        notes_en.append(
            f"bit rate {bit_rate / 1e6:.2f} Mbit/s is below {rules.min_bit_rate / 1e6:g} Mbit/s"
        )
    for stream in facts["streams"]:
        rate = stream["frame_rate"]
        if (
            stream["type"] == "video"
            and rules.min_frame_rate
            and rate
            and rate < rules.min_frame_rate
        ):
            notes_zh.append(f"帧率 {rate:g} 帧/秒 低于 {rules.min_frame_rate:g}")
            notes_en.append(f"frame rate {rate:g} fps is below {rules.min_frame_rate:g}")
        sample = stream["sample_rate"]
        if (
            stream["type"] == "audio"
            and rules.min_sample_rate
            and sample
            and sample < rules.min_sample_rate
        ):
            notes_zh.append(f"音频采样率 {sample} Hz 低于 {rules.min_sample_rate} Hz")
            notes_en.append(f"audio sample rate {sample} Hz is below {rules.min_sample_rate} Hz")
    detail = {
        "bit_rate": bit_rate,
        "min_bit_rate": rules.min_bit_rate,
        "min_frame_rate": rules.min_frame_rate,
        "min_sample_rate": rules.min_sample_rate,
    }
    if notes_zh:
        return make_outcome(
            "usability.av_quality",
            CheckResult.WARN,
            "音视频质量低于声像档案的建议值："
            + "；".join(notes_zh)
            + (
                "。如有更高质量的原始素材，请改交原始素材。"
                if has_video
                else "。如有更高质量的原始录音，请改交原始录音。"
            ),
            "The recording's quality is below the AV archive's recommended values: "
            + "; ".join(notes_en)
            + (
                ". If you have higher-quality original footage, deliver that instead."
                if has_video
                else ". If you have a higher-quality original recording, deliver that instead."
            ),
            **detail,
        )
    return make_outcome(
        "usability.av_quality",
        CheckResult.PASS,
        "音视频码率、帧率和采样率符合声像档案的建议值。",
        "Bit rate, frame rate and sample rate meet the AV archive's recommended values.",
        **detail,
    )


def _describe(facts: dict[str, Any]) -> tuple[str, str]:
    """The container, streams and duration, in Chinese and in English."""
    fmt = facts.get("format", "unknown")
    zh, en = [format_label(fmt, "zh")], [format_label(fmt, "en")]
    for stream in facts["streams"]:
        if stream["type"] == "video":
            size = f"{stream['codec']} {stream['width']}×{stream['height']}"
            zh.append(f"视频 {size}")
            en.append(f"video {size}")
        else:
            zh.append(f"音频 {stream['codec']}")
            en.append(f"audio {stream['codec']}")
    if facts.get("cover_art"):
        zh.append("附封面图片")
        en.append("with cover art")
    if facts["duration_s"] is not None:
        zh.append(f"{_seconds(facts['duration_s'], 'zh')} 秒")
        en.append(f"{_seconds(facts['duration_s'], 'en')} s")
    return "，".join(zh), ", ".join(en)
