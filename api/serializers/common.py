from rest_framework import serializers


class UsernameField(serializers.SlugRelatedField):
    """A user, shown by username (read only); ``null`` when there is none (not yet assigned)."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="username", read_only=True, allow_null=True, **kwargs)


class VisibleQuerysetMixin:
    """Looks related objects up among those the requesting user may see.

    ``visible`` is a selector taking the user; ``queryset`` only tells the schema the model. An
    object the user may not see is refused like one that does not exist.
    """

    def __init__(self, visible, **kwargs):
        self.visible = visible
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return self.queryset.none()
        return self.visible(request.user)


class VisibleSlugRelatedField(VisibleQuerysetMixin, serializers.SlugRelatedField):
    """A related object named by a slug, among those the requesting user may see."""

    default_error_messages = {
        "does_not_exist": "there is no {slug_name} {value} that you may use",
        "invalid": "invalid value",
    }


class VisiblePrimaryKeyRelatedField(VisibleQuerysetMixin, serializers.PrimaryKeyRelatedField):
    """A related object named by its primary key, among those the requesting user may see."""

    default_error_messages = {
        "does_not_exist": "there is no object {pk_value} that you may use",
    }
