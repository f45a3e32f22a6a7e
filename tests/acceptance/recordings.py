"""Real audio and video files made with PyAV (FFmpeg's encoders and muxers) for the check tests."""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

SAMPLE_RATE = 48_000


def make_recording(
    path: Path,
    container: str,
    *,
    audio: str | None = None,
    video: str | None = None,
    seconds: float = 1.0,
    size: tuple[int, int] = (720, 576),
    sample_rate: int = SAMPLE_RATE,
    cover: bool = False,
) -> Path:
    """Write ``seconds`` of a tone and/or moving colour bars to ``path`` in ``container``.

    ``audio``/``video`` name FFmpeg encoders (``"flac"``, ``"libopus"``, ``"dvvideo"``...);
    ``cover`` adds a PNG as an attached picture (album art), as music files carry.
    """
    options = {"strict": "experimental"}
    with av.open(str(path), mode="w", format=container) as out:
        vstream = astream = None
        if video:
            rate = 25
            vstream = out.add_stream(video, rate=rate)
            vstream.width, vstream.height = size
            vstream.pix_fmt = _pix_fmt(video)
            vstream.codec_context.options = options
        if audio:
            astream = out.add_stream(audio, rate=sample_rate)
            astream.codec_context.options = options
            if audio == "libopencore_amrnb":
                astream.codec_context.bit_rate = 12_200
            else:
                astream.layout = "mono" if audio.startswith("libopencore") else "stereo"
        cover_stream = None
        if cover:
            cover_stream = out.add_stream("png")
            cover_stream.width, cover_stream.height = 64, 64
            cover_stream.pix_fmt = "rgb24"
            cover_stream.disposition = av.stream.Disposition.attached_pic
        if cover_stream is not None:
            buffer = io.BytesIO()
            Image.new("RGB", (64, 64), (200, 30, 30)).save(buffer, "PNG")
            packet = av.Packet(buffer.getvalue())
            packet.stream = cover_stream
            packet.pts = packet.dts = 0
            packet.time_base = Fraction(1, 90000)
            out.mux(packet)
        if vstream is not None:
            for index in range(int(seconds * 25)):
                frame = av.VideoFrame.from_ndarray(_bars(size, index), format="rgb24")
                out.mux(vstream.encode(frame))
            out.mux(vstream.encode(None))
        if astream is not None:
            _write_tone(out, astream, seconds)
    return path


def _pix_fmt(codec: str) -> str:
    return {"dvvideo": "yuv420p", "mjpeg": "yuvj420p"}.get(codec, "yuv420p")


def _bars(size: tuple[int, int], index: int) -> np.ndarray:
    width, height = size
    image = np.zeros((height, width, 3), dtype=np.uint8)
    for bar in range(8):
        image[:, bar * width // 8 : (bar + 1) * width // 8] = (
            (bar * 32 + index * 4) % 256,
            (255 - bar * 32) % 256,
            (bar * 64) % 256,
        )
    return image


def _write_tone(out, stream, seconds: float) -> None:
    context = stream.codec_context
    rate = context.sample_rate
    layout = context.layout.name
    channels = context.layout.nb_channels
    fmt = context.format.name
    chunk = context.frame_size or 1024
    total = int(seconds * rate)
    for start in range(0, total, chunk):
        count = min(chunk, total - start)
        t = (np.arange(start, start + count) / rate).astype(np.float64)
        wave = 0.3 * np.sin(2 * np.pi * 440 * t)
        frame = _audio_frame(wave, fmt, channels, layout)
        frame.sample_rate = rate
        frame.pts = start
        frame.time_base = Fraction(1, rate)
        out.mux(stream.encode(frame))
    out.mux(stream.encode(None))


def _audio_frame(wave: np.ndarray, fmt: str, channels: int, layout: str) -> av.AudioFrame:
    planar = fmt.endswith("p")
    base = fmt.rstrip("p")
    if base == "s16":
        samples = (wave * 32767).astype(np.int16)
    elif base == "s32":
        samples = (wave * 2**31 * 0.99).astype(np.int32)
    else:
        samples = wave.astype(np.float32 if base == "flt" else np.float64)
    if planar:
        data = np.tile(samples, (channels, 1))
    else:
        data = np.repeat(samples, channels).reshape(1, -1)
    return av.AudioFrame.from_ndarray(data, format=fmt, layout=layout)
