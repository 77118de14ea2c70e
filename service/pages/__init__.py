"""Pages for people (as opposed to the JSON API): the moderation page."""
