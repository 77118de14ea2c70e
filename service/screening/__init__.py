"""Screening a new comment, with no storage: sanitizing its text, then the ordered rules
that decide its status (`pipeline.screen`)."""
