"""Sizes fixed by the API contract, shared by the models, the schemas and the messages."""

ARTICLE_KEY = r"[A-Za-z0-9._~-]{1,200}"
NAME_MAX = 245
TEXT_MAX = 65525
EMAIL_MAX = 100
WEBSITE_MAX = 200
PAGE_MAX = 100
PAGE_DEFAULT = 50
COUNTS_MAX = 100
ID_MAX = 2**31 - 1  # an INTEGER column on every database
BULK_MAX = 500  # comments one bulk decision may name
