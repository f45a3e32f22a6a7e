"""Business writes of the acceptance domain: keyword-only verbs named <entity>_<action>."""
