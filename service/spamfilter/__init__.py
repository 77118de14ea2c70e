"""The spam filter on its own: features, scoring, learning and offline evaluation.

Pure standard library, so the bench and offline tools import it without Flask or a
database; `service.moderation.learning` keeps its state in the database for the service.
"""
