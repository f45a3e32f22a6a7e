from rest_framework import serializers


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    message_zh = serializers.CharField()
    message_en = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    """Every error response: a stable code, messages in Chinese and English, the field at fault."""

    code = serializers.CharField(help_text="稳定的错误代码 stable error code")
    message_zh = serializers.CharField(help_text="中文说明")
    message_en = serializers.CharField(help_text="English message")
    field = serializers.CharField(
        allow_null=True, help_text="出错的请求字段 the request field at fault, or null"
    )
    data = serializers.DictField(help_text="错误的上下文 the error's own context")
    errors = FieldErrorSerializer(many=True, help_text="全部字段错误 every field error")
