"""Imports on the real files: WordPress's theme test data (WXR 1.2, https namespace),
Isso's WXR (1.0) and Disqus fixtures, remark42's malformed Disqus file, and an Isso
database made by the real Isso 0.14.0 (tests/data/isso/README.md)."""

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import event
from sqlalchemy.orm import Session

from service.extensions import db
from service.models import Article, AuditEntry, Comment, SpamCorpus, Status
from service.moderation.actions import notifications_allowed
from service.porting import store

DATA = Path(__file__).resolve().parents[1] / "data"
THEME = DATA / "wordpress-wxr" / "themeunittestdata.wordpress.xml"
ISSO_WXR = DATA / "wordpress-wxr" / "isso-tests-wordpress.xml"
DISQUS = DATA / "disqus" / "isso-tests-disqus.xml"
MALFORMED = DATA / "disqus" / "remark42-testdata-disqus.xml"
ISSO_DB = DATA / "isso" / "isso-0.14.0.db"


def run(runner: FlaskCliRunner, *args: Any) -> Any:
    result = runner.invoke(args=[str(arg) for arg in args])
    assert result.exit_code == 0, result.output
    return result


def figure(output: str, label: str) -> int:
    """A count from the summary table, by its label."""
    for line in output.splitlines():
        if line.strip().startswith(label):
            return int(line.split()[-1])
    raise AssertionError(f"no {label!r} in {output!r}")


def rows(app: Flask) -> dict[str, Comment]:
    with app.app_context():
        found = {c.source_id: c for c in db.session.scalars(sa.select(Comment))}
        for comment in found.values():
            db.session.expunge(comment)
        return found


def depth(comments: dict[int, Comment], comment: Comment) -> int:
    level = 1
    while comment.parent_id is not None:
        comment, level = comments[comment.parent_id], level + 1
    return level


def everything(app: Flask) -> tuple[Any, ...]:
    with app.app_context():
        comments = db.session.execute(sa.select(
            Comment.id, Comment.parent_id, Comment.status, Comment.text, Comment.created_at,
            Comment.updated_at, Comment.source_id).order_by(Comment.id)).all()
        articles = db.session.execute(sa.select(Article.key, Article.closed, Article.version)
                                      .order_by(Article.key)).all()
        return [tuple(r) for r in comments], [tuple(r) for r in articles]


def test_wordpress_theme_data_counts_threads_statuses_and_closed_posts(
        app: Flask, runner: FlaskCliRunner) -> None:
    commits: list[bool] = []

    def watch(session: Session) -> None:
        commits.append(notifications_allowed(session))

    event.listen(Session, "before_commit", watch)
    try:
        output = run(runner, "import", "wordpress", THEME).output
    finally:
        event.remove(Session, "before_commit", watch)
    assert commits and not any(commits), "an import must commit with notifications off"
    assert (figure(output, "comments imported"), figure(output, "approved"),
            figure(output, "pending")) == (29, 26, 3)
    assert figure(output, "skipped: pingback") == figure(output, "skipped: trackback") == 2
    assert figure(output, "replies linked") == 10 and figure(output, "articles closed") == 3
    found = rows(app)
    assert len(found) == 29  # 33 in the file, less 2 pingbacks and 2 trackbacks
    statuses = [c.status for c in found.values()]
    assert statuses.count(Status.APPROVED) == 26 and statuses.count(Status.PENDING) == 3
    by_id = {c.id: c for c in found.values()}
    assert sum(c.parent_id is not None for c in by_id.values()) == 10
    assert max(depth(by_id, c) for c in by_id.values()) == 10
    assert all(c.source_id and "/" in c.source_id for c in by_id.values())
    dates = sorted(c.created_at for c in by_id.values())
    assert dates[0].year == 2007 and dates[-1].year == 2023  # original dates kept
    with app.app_context():
        closed = db.session.scalars(sa.select(Article.key).where(Article.closed)).all()
        assert len(closed) == 3
        template = db.session.scalars(sa.select(Comment).join(Article).where(
            Article.key == "template-comments")).all()
        assert len(template) == 20  # the README's "Template: Comments" post
        audit = db.session.scalars(sa.select(AuditEntry.action)).all()
        assert audit.count("import") == 1 and audit.count("article.closed") == 3
    # Author, e-mail, URL kept; the HTML is ours, sanitized.
    jane = next(c for c in found.values() if c.name == "Jane Doe")
    assert jane.email and jane.website == "http://example.org/"
    assert all("<script" not in c.html for c in found.values())
    before = everything(app)
    again = run(runner, "import", "wordpress", THEME).output
    assert figure(again, "already imported") == 29 and figure(again, "comments imported") == 0
    assert everything(app) == before  # idempotent: not one row or version changed


def test_isso_wxr_1_0_namespace_and_a_permalink_rule(app: Flask, runner: FlaskCliRunner) -> None:
    run(runner, "import", "wordpress", ISSO_WXR, "--permalink-rule",
        r"example\.tld/(?P<key>\d{4})/")
    found = rows(app)
    assert len(found) == 8
    by_id = {c.id: c for c in found.values()}
    assert sum(c.parent_id is not None for c in by_id.values()) == 3
    assert max(depth(by_id, c) for c in by_id.values()) == 3
    with app.app_context():
        keys = set(db.session.scalars(sa.select(Article.key)))
    assert keys == {"2014", "p-4"}  # the rule; `?p=4` when the rule does not match
    # comment_id 11 appears in two posts: both kept, told apart by their post id.
    assert sum(source.endswith("/11") for source in found) == 2
    assert all(c.email is None or c.email == c.email.strip() for c in found.values())


def test_disqus_threads_posts_deleted_and_orphans(app: Flask, runner: FlaskCliRunner) -> None:
    output = run(runner, "import", "disqus", DISQUS).output
    assert figure(output, "skipped: orphan") == 1
    found = rows(app)
    # The deleted post has lost its text: not imported, and its reply stands alone.
    assert figure(output, "skipped: deleted in Disqus") == 1
    assert figure(output, "replies linked") == 1 and figure(output, "replies whose parent") == 1
    assert sorted(c.status.value for c in found.values()) == ["approved"] * 4
    assert found["8"].name == "Empty" and found["8"].email == "baz@email.foo"
    assert found["8"].ip == "127.0.0.1" and found["8"].created_at.isoformat() == "2013-10-11T06:51:33"


def test_malformed_disqus_file_names_the_line_and_writes_nothing(
        app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["import", "disqus", str(MALFORMED)])
    assert result.exit_code == 1
    assert "line 1, column 1" in result.output and "Nothing was imported" in result.output
    # Without the stray backtick, it fails further on: on line 147's unquoted attribute.
    fixed = tmp_path / "fixed.xml"
    fixed.write_bytes(MALFORMED.read_bytes().lstrip(b"`"))
    second = runner.invoke(args=["import", "disqus", str(fixed)])
    assert second.exit_code == 1 and "line 147" in second.output
    with app.app_context():
        for model in (Comment, Article, AuditEntry):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0


def test_a_failure_after_batches_were_written_leaves_nothing(
        app: Flask, runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(store, "BATCH", 2)  # three flushes happen before the error
    text = THEME.read_text(encoding="utf-8")
    cut = text.index("<wp:comment>", text.index("template-comments")) + 2000
    (tmp_path / "cut.xml").write_text(text[:cut], encoding="utf-8")
    result = runner.invoke(args=["import", "wordpress", str(tmp_path / "cut.xml")])
    assert result.exit_code == 1 and "not well-formed" in result.output
    assert everything(app) == ([], [])
    run(runner, "import", "wordpress", THEME)  # and it can simply be run again
    assert len(rows(app)) == 29


def test_isso_database_made_by_isso(app: Flask, runner: FlaskCliRunner) -> None:
    output = run(runner, "import", "isso", ISSO_DB).output
    assert figure(output, "skipped: deleted in Isso") == 1
    found = rows(app)
    assert set(found) == {"1", "2", "3", "4", "5", "6", "8"}
    assert found["5"].status == Status.PENDING
    assert sum(c.status == Status.APPROVED for c in found.values()) == 6
    assert found["2"].parent_id == found["1"].id and found["3"].parent_id == found["1"].id
    assert found["8"].parent_id is None  # its parent was deleted in Isso
    assert found["4"].name == "Anonyme"  # no name: the site's language (fr by default)
    assert "&lt;script&gt;" in found["6"].html and "<b>Zoé</b>" in found["6"].html
    assert found["1"].ip == "203.0.113.0" and found["1"].website == "https://lea.example"
    assert found["1"].created_at.year >= 2026
    with app.app_context():
        keys = set(db.session.scalars(sa.select(Article.key)))
        assert keys == {"premier-billet", "about.html"}
        assert db.session.get(SpamCorpus, 1) is None  # nothing learned unless asked


def test_learn_only_when_asked(app: Flask, runner: FlaskCliRunner) -> None:
    output = run(runner, "import", "isso", ISSO_DB, "--learn").output
    assert figure(output, "taught to the spam model") == 6
    with app.app_context():
        corpus = db.session.get_one(SpamCorpus, 1)
        assert (corpus.spam_total, corpus.ham_total) == (0, 6)


@pytest.mark.parametrize("content, reason", [
    (b"", "not well-formed"),
    (b"\x00\xff\xfe garbage", "not well-formed"),
    (b"<html><body>not a feed</body></html>", "does not start with <rss>"),
    (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;'
     b'&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;'
     b'&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]><rss>&e;&e;&e;'
     b'&e;&e;&e;&e;&e;&e;&e;&e;&e;</rss>', ""),
])
def test_hostile_files_are_refused_cleanly(app: Flask, runner: FlaskCliRunner, tmp_path: Path,
                                           content: bytes, reason: str) -> None:
    path = tmp_path / "hostile.xml"
    path.write_bytes(content)
    result = runner.invoke(args=["import", "wordpress", str(path)])
    if reason:
        assert result.exit_code == 1 and reason in result.output
    assert everything(app)[0] == []


def test_script_in_a_wordpress_comment_is_sanitized(app: Flask, runner: FlaskCliRunner,
                                                    tmp_path: Path) -> None:
    wxr = (tmp_path / "x.xml")
    wxr.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.1/"><channel><item>
<link>https://blog.example/hello/</link><wp:post_id>7</wp:post_id><wp:post_name>hello</wp:post_name>
<wp:comment_status>open</wp:comment_status>
<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_author><![CDATA[<b>Eve</b>]]></wp:comment_author>
<wp:comment_author_IP>198.51.100.4</wp:comment_author_IP><wp:comment_date_gmt>2012-01-02 03:04:05</wp:comment_date_gmt>
<wp:comment_content><![CDATA[<p>Hi <script>alert(1)</script><a href="javascript:x">x</a> <em>ok</em></p><p>two</p>]]></wp:comment_content>
<wp:comment_approved>spam</wp:comment_approved><wp:comment_parent>0</wp:comment_parent></wp:comment>
<wp:comment><wp:comment_id>2</wp:comment_id><wp:comment_author>Bob</wp:comment_author>
<wp:comment_content>trash me</wp:comment_content><wp:comment_approved>trash</wp:comment_approved>
<wp:comment_parent>1</wp:comment_parent></wp:comment>
</item></channel></rss>""", encoding="utf-8")
    run(runner, "import", "wordpress", wxr)
    found = rows(app)
    eve, bob = found["7/1"], found["7/2"]
    assert eve.name == "Eve" and eve.status == Status.SPAM and eve.ip == "198.51.100.4"
    assert "<script" not in eve.html and "javascript:" not in eve.html
    assert "<em>ok</em>" in eve.html and eve.html.count("<p>") == 2
    assert eve.created_at.isoformat() == "2012-01-02T03:04:05"
    assert bob.status == Status.TRASH and bob.parent_id == eve.id


def test_disqus_spam_closed_threads_and_replies_before_their_parent(
        app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = tmp_path / "d.xml"
    path.write_text("""<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
<post dsq:id="20"><message><![CDATA[<p>Early reply</p>]]></message><createdAt>2015-01-02T00:00:00Z</createdAt>
<isDeleted>false</isDeleted><isSpam>false</isSpam><author><name>B</name></author>
<thread dsq:id="1"/><parent dsq:id="10"/></post>
<thread dsq:id="1"><id>my-post</id><link>https://blog.example/2015/my-post/</link>
<isClosed>true</isClosed></thread>
<post dsq:id="10"><message>Buy now</message><createdAt>2015-01-01T00:00:00Z</createdAt>
<isDeleted>false</isDeleted><isSpam>true</isSpam><author><name>A</name><email>a@example.org</email></author>
<ipAddress>192.0.2.1</ipAddress><thread dsq:id="1"/></post>
</disqus>""", encoding="utf-8")
    output = run(runner, "import", "disqus", path).output
    assert figure(output, "articles closed") == 1 and figure(output, "replies linked") == 1
    found = rows(app)
    assert found["10"].status == Status.SPAM and found["20"].status == Status.APPROVED
    assert found["20"].parent_id == found["10"].id
    with app.app_context():
        article = db.session.scalars(sa.select(Article)).one()
        assert (article.key, article.closed) == ("my-post", True)
