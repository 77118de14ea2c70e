"""The moderation page at /moderation/ (`page`), and its sentences (`strings`)."""
