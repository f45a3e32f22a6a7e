from rest_framework import serializers


class UsernameField(serializers.SlugRelatedField):
    """A user, shown by username (read only)."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="username", read_only=True, **kwargs)


class VisibleSlugRelatedField(serializers.SlugRelatedField):
    """A related object named by a slug, looked up among those the requesting user may see.

    ``visible`` is a selector taking the user; ``queryset`` only tells the schema the model. An
    object the user may not see is refused like one that does not exist.
    """

    default_error_messages = {
        "does_not_exist": "there is no {slug_name} {value} that you may use",
        "invalid": "invalid value",
    }

    def __init__(self, visible, **kwargs):
        self.visible = visible
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return self.queryset.none()
        return self.visible(request.user)


class VisiblePrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """Like ``VisibleSlugRelatedField``, by primary key."""

    default_error_messages = {
        "does_not_exist": "there is no object {pk_value} that you may use",
    }

    def __init__(self, visible, **kwargs):
        self.visible = visible
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return self.queryset.none()
        return self.visible(request.user)
