"""Request and response shapes, one module per audience: `public` (blog pages),
`screening` (admins' settings and stats) and `moderation` (the queue, decisions, audit).
Personal data (e-mail, IP, user agent) appears in `moderation` only.
"""

from .base import PageArgsSchema, Schema, Timestamp, WholeNumber, WindowArgsSchema
from .moderation import (ArticleSettingsSchema, AuditArgsSchema, AuditEntrySchema,
                         AuditPageSchema, BulkDecisionSchema, BulkResultSchema,
                         DeleteArgsSchema, FilterArgsSchema, HistorySchema,
                         ModerationCommentSchema, ModerationPageSchema, StatusCountsSchema,
                         ModerationUpdateSchema, QueueArgsSchema, ReasonSchema, RefusalSchema)
from .public import (CommentCreateSchema, CommentPageSchema, CountsArgsSchema, CountsSchema,
                     ListingArgsSchema, PublicCommentSchema, SubmittedCommentSchema)
from .public import CommentEditSchema, EditedCommentSchema, WidgetConfigSchema
from .screening import (AgreementSchema, ModelStatsSchema, ScreeningSettingsSchema,
                        StatsArgsSchema, StatsSchema, TimelineSchema)

__all__ = [
    "AgreementSchema", "ArticleSettingsSchema", "AuditArgsSchema", "AuditEntrySchema",
    "AuditPageSchema", "BulkDecisionSchema", "BulkResultSchema", "CommentCreateSchema",
    "CommentPageSchema", "CountsArgsSchema", "CountsSchema", "DeleteArgsSchema", "ListingArgsSchema",
    "ModelStatsSchema", "ModerationCommentSchema", "ModerationPageSchema",
    "ModerationUpdateSchema", "PageArgsSchema", "PublicCommentSchema", "QueueArgsSchema",
    "ReasonSchema", "RefusalSchema", "Schema", "ScreeningSettingsSchema", "StatsArgsSchema",
    "StatsSchema", "SubmittedCommentSchema", "Timestamp", "WholeNumber", "WindowArgsSchema",
    "CommentEditSchema", "EditedCommentSchema", "WidgetConfigSchema",
    "FilterArgsSchema", "HistorySchema", "StatusCountsSchema", "TimelineSchema",
]
