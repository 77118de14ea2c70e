"""The domain: what happens to comments. Nothing here imports Flask."""
