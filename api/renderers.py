import json

from rest_framework.renderers import BaseRenderer


class FileRenderer(BaseRenderer):
    """Lets a download be negotiated; an error on the way is still the JSON error body."""

    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return json.dumps(data, ensure_ascii=False).encode()


class PdfRenderer(FileRenderer):
    media_type = "application/pdf"
    format = "pdf"


class OfdRenderer(FileRenderer):
    media_type = "application/ofd"
    format = "ofd"


class OctetStreamRenderer(FileRenderer):
    media_type = "application/octet-stream"
    format = "bin"
