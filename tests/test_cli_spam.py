"""`flask spam train|evaluate|replay`: the stored model from labelled files, measured."""

import csv
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from service.extensions import db
from service.models import Comment, SpamToken, Status
from service.moderation import learning
from service.moderation.decisions import decide
from service.spamfilter import corpora, evaluation, model as spam
from tests.conftest import DATASETS

FILES = sorted((DATASETS / "youtube-spam").glob("*.csv"))


def test_train_fills_the_stored_model(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["spam", "train", str(FILES[0]), str(FILES[1])])
    assert result.exit_code == 0, result.output
    rows = corpora.deduplicated(row for path in FILES[:2] for row in corpora.read_labelled(path))
    spam_count = sum(is_spam for _, is_spam in rows)
    assert f"Learned {len(rows)} comments ({spam_count} spam" in result.output
    with app.app_context():
        assert learning.totals(db.session) == (spam_count, len(rows) - spam_count)
        score, trained, _ = learning.score(db.session, spam.Sample(
            "Please subscribe to my channel and check out my video http://youtu.be/x"),
            app.config)
    assert trained and score > 0.9


def test_train_without_files_rebuilds_from_the_corpora_and_the_decisions(app: Flask) -> None:
    runner = app.test_cli_runner()
    # Something learned by hand is forgotten; a moderator's decision is learned again.
    assert runner.invoke(args=["spam", "train", str(FILES[0])]).exit_code == 0
    client = app.test_client()
    posted = client.post("/api/v1/articles/a/comments", json={
        "name": "Zoé", "text": "Zyxwvut qwertzuiop, un mot que nul corpus ne contient"})
    assert posted.status_code == 201, posted.get_json()
    with app.app_context():
        comment = db.session.get(Comment, posted.get_json()["id"])
        decide(db.session, comment.id, "cli:test", status=Status.APPROVED)
    result = runner.invoke(args=["spam", "train"])
    assert result.exit_code == 0, result.output
    starter = corpora.starter_rows()
    assert f"shipped corpora ({len(starter)} comments) and 1 moderators' decisions" in result.output
    spam_count = sum(is_spam for _, is_spam in starter)
    with app.app_context():
        assert learning.totals(db.session) == (spam_count, len(starter) - spam_count + 1)
        known = db.session.get(SpamToken, "zyxwvut")
        assert known is not None and (known.spam, known.ham) == (0, 1)


def test_replay_streams_a_slice_in_its_own_database(app: Flask) -> None:
    sms = DATASETS / "sms-spam" / "SMSSpamCollection"
    result = app.test_cli_runner().invoke(args=["spam", "replay", "--shuffle", "1", "--limit",
                                                "40", str(sms)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    halves = [line for line in lines if line.startswith(("first half", "second half"))]
    assert len(halves) == 2
    # 40 comments, 20 per half; the starting model learned none of the SMS file.
    assert [sum(map(int, line.split()[2:4])) for line in halves] == [20, 20]
    assert "Thresholds at the end: spam 0.995 (default)" in result.output
    with app.app_context():  # the site's own database saw none of it
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0
        assert learning.totals(db.session) == (0, 0)


def test_replay_refuses_what_it_cannot_read(app: Flask, tmp_path: Path) -> None:
    broken = tmp_path / "broken.txt"
    broken.write_text("spam\tfine\nmaybe\tnot a label\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["spam", "replay", str(broken)])
    assert result.exit_code != 0
    assert "Cannot read the files" in result.output and "line 2" in result.output
    assert "Traceback" not in result.output


def test_evaluate_prints_the_leave_one_file_out_figures(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["spam", "evaluate", *map(str, FILES[:3])])
    assert result.exit_code == 0, result.output
    assert "MCC" in result.output
    assert f"threshold {app.config['SPAM_THRESHOLD']}" in result.output
    for path in FILES[:3]:
        assert path.stem in result.output


def test_evaluate_suggests_thresholds_by_the_documented_rule(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["spam", "evaluate", "--suggest", *map(str, FILES)])
    assert result.exit_code == 0, result.output
    scored = evaluation.leave_one_out(FILES)
    spam_t, hold_t = evaluation.choose_thresholds(evaluation.pooled(scored))
    assert f"Suggested: SPAM_THRESHOLD={spam_t:g} (the best MCC" in result.output
    assert f"HOLD_THRESHOLD={hold_t:g} (the shortest queue" in result.output
    suggested = result.output.split("Suggested:")[1]
    assert f"Spam threshold {spam_t:g}, hold threshold {hold_t:g}" in suggested
    report = evaluation.evaluate(FILES, spam_t, hold_t, scored=scored)
    assert f"{report.decided_mcc:.3f}" in suggested.splitlines()[-1]


def _labelled(path: Path, rows: list[tuple[str, int]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["COMMENT_ID", "AUTHOR", "DATE", "CONTENT", "CLASS"])
        writer.writerows([(str(i), "Ann", "", text, label) for i, (text, label) in enumerate(rows)])
    return path


def test_suggest_needs_both_classes(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    empty = [_labelled(tmp_path / f"empty{i}.csv", []) for i in (1, 2)]
    ham = [_labelled(tmp_path / f"ham{i}.csv", [(f"Lovely song number {i} {n}", 0)
                                                 for n in range(5)]) for i in (1, 2)]
    for files in (empty, ham, [ham[0], ham[0]]):
        result = runner.invoke(args=["spam", "evaluate", "--suggest", *map(str, files)])
        assert result.exit_code != 0 and "both spam and ham" in result.output, result.output
        assert "Traceback" not in result.output


def test_suggest_says_when_no_hold_threshold_reaches_the_target(app: Flask,
                                                                tmp_path: Path) -> None:
    # A model that learned only ham cannot tell Shakira's spam from its ham.
    ham = _labelled(tmp_path / "ham.csv", [(f"Lovely song, part {n}", 0) for n in range(30)])
    result = app.test_cli_runner().invoke(
        args=["spam", "evaluate", "--suggest", str(ham), str(FILES[4])])
    assert result.exit_code == 0, result.output
    assert "no value reaches a decided MCC of 0.9" in result.output


def test_bad_files_are_clear_errors(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    broken = tmp_path / "broken.csv"
    broken.write_text("just,some\nother,columns\n")
    result = runner.invoke(args=["spam", "train", str(broken)])
    assert result.exit_code != 0 and "Cannot read" in result.output
    assert runner.invoke(args=["spam", "train", str(tmp_path / "missing.csv")]).exit_code != 0
    one = runner.invoke(args=["spam", "evaluate", str(FILES[0])])
    assert one.exit_code != 0 and "at least two" in one.output
    with app.app_context():
        assert learning.totals(db.session) == (0, 0)


def test_binary_garbage_is_refused(app: Any, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"\xff\xfe\x00\x81COMMENT_ID,AUTHOR\x00")
    result = app.test_cli_runner().invoke(args=["spam", "train", str(garbage)])
    assert result.exit_code != 0 and "Cannot read" in result.output
