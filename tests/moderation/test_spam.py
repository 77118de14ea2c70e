"""The compact Bayesian filter: features, scoring, learning, and its measured quality."""

import time
from pathlib import Path

import pytest

from service.spamfilter import model as spam
from service.spamfilter import corpora, evaluation
from service.spamfilter.evaluation import Report
from service.spamfilter.model import MemoryModel, Sample, features

DATA = Path(__file__).resolve().parents[2] / "service" / "data" / "youtube-spam"
FILES = sorted(DATA.glob("Youtube0*.csv"))


@pytest.fixture(scope="module")
def four_video_model() -> MemoryModel:
    """A model trained on Psy, KatyPerry, LMFAO and Eminem; Shakira stays unseen."""
    return spam.train(corpora.deduplicated(row for path in FILES[:4]
                                        for row in corpora.read_labelled(path)))


@pytest.fixture(scope="module")
def report() -> Report:
    """Leave-one-video-out figures at the rule's thresholds (about a second)."""
    return evaluation.evaluate(FILES, *evaluation.YOUTUBE_RULE)


def test_dataset_is_there() -> None:
    assert [path.name for path in FILES] == [
        "Youtube01-Psy.csv", "Youtube02-KatyPerry.csv", "Youtube03-LMFAO.csv",
        "Youtube04-Eminem.csv", "Youtube05-Shakira.csv"]


@pytest.mark.parametrize(("name", "rows", "spam_rows"), [
    ("Youtube01-Psy.csv", 350, 175),
    ("Youtube02-KatyPerry.csv", 350, 175),
    ("Youtube03-LMFAO.csv", 438, 236),
    ("Youtube04-Eminem.csv", 448, 245),
    ("Youtube05-Shakira.csv", 370, 174),
])
def test_read_labelled_csv(name: str, rows: int, spam_rows: int) -> None:
    labelled = corpora.read_labelled(DATA / name)
    assert len(labelled) == rows
    assert sum(is_spam for _, is_spam in labelled) == spam_rows
    assert all(isinstance(sample, Sample) and sample.name for sample, _ in labelled)


@pytest.mark.parametrize(("sample", "present", "absent"), [
    (Sample("no links here"), {"links:0", "no", "links", "here", "no links"}, {"links:1"}),
    (Sample('see <a href="http://www.Example.com/x?a=1&amp;b=2">my page</a>'),
     {"links:1", "domain:example.com", "see", "my page"}, {"a", "href", "links:0"}),
    (Sample("visit www.shop.net or http://bit.ly/abc now"),
     {"links:2+", "domain:shop.net", "domain:bit.ly"}, {"domain:www.shop.net"}),
    (Sample("go to cheap-pills.com today"), {"links:1", "domain:cheap-pills.com"}, set()),
    (Sample("a b c d e", website="https://www.blog.example.org/about"),
     {"links:0", "domain:blog.example.org"}, {"links:1"}),
    (Sample("hi", website="example.com"), {"links:0", "domain:example.com"}, set()),
    (Sample("hi", website="not a site"), {"links:0"}, {"domain:not a site"}),
    (Sample("ｈｔｔｐ://ｗｗｗ.ｅｂａｙ.ｃｏｍ/ｕｓｒ"), {"links:1", "domain:ebay.com"}, set()),
    (Sample("I&#39;m here<br />now\ufeff"), {"i'm", "here", "now", "i'm here", "here now"},
     {"br", "39", "now\ufeff"}),
    (Sample("same link http://x.org and http://x.org"), {"links:1", "domain:x.org"}, set()),
    (Sample("not a link: version 1.5 and e.g. this"), {"links:0"}, {"domain:e.g"}),
    (Sample("I <3 you, <b>really</b>"), {"3", "you", "really", "you really"}, {"b"}),
    (Sample("watch https://www.youtube.com/watch?v=abc and bit.ly/x"),
     {"links:2+", "url:depth:1", "url:query", "url:watch", "url:short"}, {"url:channel"}),
    (Sample("my http://youtube.com/user/me/videos/all"), {"url:depth:3", "url:channel"},
     {"url:query", "url:short", "url:watch"}),
    (Sample("at example.com"), {"url:depth:0"}, {"url:depth:1"}),
    (Sample("no links here"), set(), {"url:depth:0", "url:query"}),
])
def test_features_of_text_and_links(sample: Sample, present: set[str],
                                    absent: set[str]) -> None:
    found = features(sample)
    assert present <= found
    assert not absent & found


@pytest.mark.parametrize(("name", "present", "absent"), [
    ("Cheap Pills", {"name:cheap", "name:pills"}, {"cheap", "pills"}),
    ("Ünïcode NAME_x", {"name:ünïcode", "name:name", "name:x"}, {"name:NAME"}),
    ("", set(), {"name:"}),
])
def test_features_of_names(name: str, present: set[str], absent: set[str]) -> None:
    found = features(Sample("hello", name=name))
    assert present <= found
    assert not absent & found
    assert {token for token in found if token.startswith("name:")} == present


def test_feature_cap_is_deterministic_and_keeps_structure_first() -> None:
    # About 12,000 characters: all of it is read, but only the first features are kept.
    text = " ".join(f"word{i}" for i in range(1_500)) + " http://spam.example.com"
    sample = Sample(text, name="Some Body")
    found = features(sample)
    assert len(found) == spam.MAX_FEATURES
    assert found == features(sample)
    assert {"links:1", "domain:spam.example.com", "name:some", "name:body", "word0"} <= found
    assert "word1499" not in found


def test_only_the_start_of_a_huge_text_is_read() -> None:
    text = "hello " * 10_000 + "http://hidden.example.com"
    found = features(Sample(text))
    assert {"links:0", "hello", "hello hello"} <= found
    assert "domain:hidden.example.com" not in found


@pytest.mark.parametrize("text", [
    "x" * 1_000,
    "http://" + "a" * 300 + ".com/",
    "\x00\x01 http://exa\x00mple.com <a href='http://b\x00d.com'>z</a>",
    "<" * 10_000 + ">" * 10_000,
])
def test_every_feature_fits_the_token_column(text: str) -> None:
    found = features(Sample(text, name="n" * 500, website="http://" + "w" * 200 + ".org"))
    assert found
    assert all(0 < len(token) <= spam.MAX_TOKEN_LENGTH for token in found)
    assert all("\x00" not in token for token in found)


@pytest.mark.parametrize("text", [
    "a." * 10_000, "a" + "-a" * 10_000, "<" * 20_000, "<a " * 7_000, "<a href=" * 3_000,
    "www." * 5_000, "http://" + "a." * 10_000, "a'" * 10_000,
])
def test_hostile_text_is_featurized_in_linear_time(text: str) -> None:
    # A backtracking pattern takes minutes on these; linear code takes milliseconds.
    started = time.perf_counter()
    features(Sample(text, name=text, website=text))
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(("counts", "spam_total", "ham_total", "tokens", "low", "high"), [
    ({}, 0, 0, ["a"], 0.5, 0.5),                                # empty model: unsure
    ({"a": (5, 0)}, 5, 0, ["a"], 0.5, 0.5),                     # one class only: unsure
    ({"a": (0, 5)}, 0, 5, ["a"], 0.5, 0.5),
    ({"a": (5, 5)}, 10, 10, [], 0.5, 0.5),                      # nothing to read
    ({"a": (5, 5)}, 10, 10, ["unseen"], 0.5, 0.5),              # unseen tokens say nothing
    ({"a": (5, 5)}, 10, 10, ["a"], 0.5, 0.5),                   # a neutral token says nothing
    ({"a": (90, 0), "b": (80, 1)}, 100, 100, ["a", "b"], 0.99, 1.0),
    ({"a": (0, 90), "b": (1, 80)}, 100, 100, ["a", "b"], 0.0, 0.01),
    ({f"t{i}": (1000, 0) for i in range(400)}, 1000, 1000,
     [f"t{i}" for i in range(400)], 0.99, 1.0),                 # many clues: no overflow
    ({f"t{i}": (0, 1000) for i in range(400)}, 1000, 1000,
     [f"t{i}" for i in range(400)], 0.0, 0.01),
    ({"a": (7, 0)}, 3, 3, ["a"], 0.5, 1.0),                     # counts above totals: clamped
])
def test_score_bounds(counts: dict[str, tuple[int, int]], spam_total: int, ham_total: int,
                      tokens: list[str], low: float, high: float) -> None:
    probability = spam.score(counts, spam_total, ham_total, tokens)
    assert 0.0 <= probability <= 1.0
    assert low <= probability <= high


def test_empty_model_is_unsure() -> None:
    assert MemoryModel().score(Sample("Subscribe to my channel http://bit.ly/x")) == 0.5


@pytest.mark.parametrize(("spam_total", "ham_total", "minimum", "trained"), [
    (0, 0, 20, False), (20, 19, 20, False), (19, 20, 20, False), (20, 20, 20, True),
    (5, 500, 0, True),
])
def test_is_trained(spam_total: int, ham_total: int, minimum: int, trained: bool) -> None:
    assert spam.is_trained(spam_total, ham_total, minimum) is trained


def snapshot(model: MemoryModel) -> tuple[dict[str, tuple[int, int]], int, int]:
    return dict(model.counts), model.spam_total, model.ham_total


@pytest.mark.parametrize(("sample", "is_spam"), [
    (Sample("Check out my channel http://bit.ly/x", name="Spammer"), True),
    (Sample("I love this song", name="Fan"), False),
    (Sample("brand new words never seen zyxw qwvu"), True),
    (Sample("brand new words never seen zyxw qwvu"), False),
    (Sample(""), False),
])
def test_unlearn_after_learn_restores_the_exact_state(four_video_model: MemoryModel,
                                                      sample: Sample, is_spam: bool) -> None:
    model = MemoryModel(dict(four_video_model.counts), four_video_model.spam_total,
                        four_video_model.ham_total)
    before = snapshot(model)
    model.learn(sample, is_spam)
    assert snapshot(model) != before
    model.unlearn(sample, is_spam)
    assert snapshot(model) == before


def test_learning_is_one_per_distinct_feature() -> None:
    model = MemoryModel()
    sample = Sample("spam spam spam eggs", name="Eggs")
    model.learn(sample, True)
    model.learn(sample, False)
    assert model.spam_total == model.ham_total == 1
    assert model.counts == {token: (1, 1) for token in features(sample)}


@pytest.mark.parametrize("is_spam", [True, False])
def test_counts_never_go_below_zero(is_spam: bool) -> None:
    model = MemoryModel()
    model.learn(Sample("shared words here"), not is_spam)
    model.unlearn(Sample("shared words and more words"), is_spam)
    model.unlearn(Sample("shared words and more words"), not is_spam)
    assert model.spam_total >= 0 and model.ham_total >= 0
    assert all(s >= 0 and h >= 0 and (s or h) for s, h in model.counts.values())
    assert "shared" not in model.counts


@pytest.mark.parametrize(("start", "is_spam"), [
    ("Subscribe to my Youtube Channel!!", True),
    ("hey you ! check out the channel of Alvar Lake", True),
    ("please subscribe to my page. thanks.", True),
    ("New way to make money easily", True),
    ("You guys should check out this EXTRAORDINARY website called FIREPA.COM", True),
    ("i totally love this song. absolutely fantastic!", False),
    ("I felt old when I realized that this song was 5 years old", False),
    ("5 years later i still love this song", False),
    ("She is good", False),
    ("this song sucks", False),
])
def test_an_unseen_video_gets_clear_verdicts(four_video_model: MemoryModel, start: str,
                                             is_spam: bool) -> None:
    """Clear spam is marked spam; ordinary ham passes without being held."""
    sample, labelled_spam = shakira_row(start)
    assert labelled_spam is is_spam
    if is_spam:
        assert four_video_model.score(sample) > evaluation.YOUTUBE_RULE[0]
    else:
        assert four_video_model.score(sample) <= spam.HOLD_THRESHOLD


def shakira_row(start: str) -> tuple[Sample, bool]:
    """The one Shakira row whose text starts with `start`."""
    rows = [row for row in corpora.read_labelled(FILES[4]) if row[0].text.startswith(start)]
    assert rows, start
    return rows[0]


def test_splits_never_put_a_text_on_both_sides() -> None:
    for split in evaluation.splits(FILES):
        trained = {spam.normalized_text(sample.text) for sample, _ in split.training}
        assert not trained & {spam.normalized_text(sample.text) for sample, _ in split.tested}
        assert len(trained) == len(split.training)


@pytest.mark.parametrize(("scored", "tp", "fp", "tn", "fn", "spam_held", "ham_held",
                          "mcc", "flag_mcc", "decided_mcc", "held_share"), [
    ([(1.0, True), (0.0, False)], 1, 0, 1, 0, 0, 0, 1.0, 1.0, 1.0, 0.0),
    ([(0.0, True), (1.0, False)], 0, 1, 0, 1, 0, 0, -1.0, -1.0, -1.0, 0.0),
    # held: no mark, but flagged; left to a moderator, so the model decided one ham only:
    # the MCC of the mark and of what it decided alone are 0/0, undefined (None)
    ([(0.7, True), (0.0, False)], 0, 0, 1, 1, 1, 0, None, 1.0, None, 0.5),
    ([(1.0, True), (0.7, False), (0.1, False), (0.7, True)], 1, 0, 2, 1, 1, 1,
     0.5773502691896258, 0.5773502691896258, 1.0, 0.5),
    # one of each mistake among what it decided: (1*1 - 1*1) / ... = 0; the held ham
    # counts as right for the mark (2*1 - 1*1) / 6, as wrong for the flag (1*1 - 2*1) / 6
    ([(1.0, True), (0.95, False), (0.2, True), (0.1, False), (0.6, False)], 1, 1, 2, 1, 0, 1,
     1 / 6, -1 / 6, 0.0, 0.2),
    ([], 0, 0, 0, 0, 0, 0, None, None, None, 0.0),
])
def test_tally_counts_three_outcomes(scored: list[tuple[float, bool]], tp: int, fp: int,
                                     tn: int, fn: int, spam_held: int, ham_held: int,
                                     mcc: float | None, flag_mcc: float | None,
                                     decided_mcc: float | None, held_share: float) -> None:
    result = evaluation.tally("t", scored, spam_threshold=0.9, hold_threshold=0.5)
    assert (result.tp, result.fp, result.tn, result.fn) == (tp, fp, tn, fn)
    assert (result.spam_held, result.ham_held) == (spam_held, ham_held)
    for figure, expected in ((result.mcc, mcc), (result.flag_mcc, flag_mcc),
                             (result.decided_mcc, decided_mcc)):
        assert figure == (None if expected is None else pytest.approx(expected))
    assert result.held_share == pytest.approx(held_share)


HAM, SPAM = False, True


@pytest.mark.parametrize(("scored", "thresholds"), [
    # Apart: the highest spam threshold below the spam, and nothing to hold.
    ([(0.1, HAM)] * 100 + [(0.995, SPAM)] * 100, (0.994, 0.994)),
    # 5 ham at 0.95 forbid marking below it (5 % of ham); the 20 spam at 0.5 pass
    # unless held, and the model alone reaches 0.90 only once they are held.
    ([(0.1, HAM)] * 100 + [(0.95, HAM)] * 5 + [(0.995, SPAM)] * 100 + [(0.5, SPAM)] * 20,
     (0.994, 0.49)),
    # Half the spam looks exactly like ham: no hold threshold reaches 0.90, so the one with
    # the best flag MCC is kept, which holds nothing.
    ([(0.1, HAM)] * 100 + [(0.1, SPAM)] * 50 + [(0.995, SPAM)] * 50, (0.994, 0.994)),
    # Half the ham scores 1.0 like the spam: only 1.0 marks nothing; holding from just
    # under it flags every spam and half the ham, the best flag MCC there is.
    ([(1.0, HAM)] * 5 + [(0.1, HAM)] * 5 + [(1.0, SPAM)] * 10, (1.0, 0.99999)),
    # Nothing to learn from: mark nothing, hold nothing.
    ([], (1.0, 1.0)),
    ([(0.3, HAM)] * 10, (1.0, 1.0)),
])
def test_choose_thresholds_follows_the_documented_rule(scored: list[tuple[float, bool]],
                                                        thresholds: tuple[float, float]) -> None:
    assert evaluation.choose_thresholds(scored) == thresholds


def test_nested_thresholds_meet_the_targets_without_seeing_the_test_video() -> None:
    # The honest headline of docs/spam-model.md: each video at thresholds chosen from
    # the other four alone.
    report, chosen, scores = evaluation.nested(FILES, evaluation.filter_scores)
    assert len(chosen) == len(scores) == len(FILES)
    assert all(hold <= spam_t for spam_t, hold in chosen)
    assert report.ham_marked_spam <= evaluation.MAX_HAM_MARKED_SPAM
    assert report.decided_mcc >= evaluation.MIN_DECIDED_MCC
    assert report.held_share <= 0.095
    assert report.mcc >= 0.82


def test_the_rule_applied_to_the_five_videos() -> None:
    scored = evaluation.leave_one_out(FILES)
    assert evaluation.choose_thresholds(evaluation.pooled(scored)) == evaluation.YOUTUBE_RULE
    # The shipped spam threshold is the rule's hold and a careful spam mark: no video has
    # a legitimate comment marked spam at it.
    assert spam.HOLD_THRESHOLD == evaluation.YOUTUBE_RULE[1]
    shipped = evaluation.evaluate(FILES, spam.SPAM_THRESHOLD, spam.HOLD_THRESHOLD, scored=scored)
    assert [part.fp for part in shipped.files] == [0] * len(FILES)


def test_evaluate_uses_every_file_and_dedupes(report: Report) -> None:
    assert [part.name for part in report.files] == [path.stem for path in FILES]
    assert (report.spam, report.ham, report.skipped) == (852, 906, 198)
    assert report.tp == sum(part.tp for part in report.files)


def test_evaluate_meets_the_targets_at_the_rules_thresholds(report: Report) -> None:
    # The figures measured when the thresholds were chosen (docs/spam-model.md): a drop fails.
    assert report.ham_marked_spam <= evaluation.MAX_HAM_MARKED_SPAM
    assert report.fp <= 6
    assert report.precision >= 0.985
    assert report.decided_mcc >= evaluation.MIN_DECIDED_MCC
    assert report.held_share <= 0.085
    assert report.mcc >= 0.815
    assert report.flag_mcc >= 0.84
    assert report.spam_held_share <= 0.11
    assert report.ham_held_share <= 0.065
    assert report.spam_passed_share <= 0.09


def test_report_format_is_a_readable_table(report: Report) -> None:
    text = report.format()
    assert "Spam threshold 0.98, hold threshold 0.89" in text
    assert "decMCC" in text
    for name in ("Youtube01-Psy", "Youtube05-Shakira", "all files"):
        assert name in text
    assert f"{report.mcc:.3f}" in text.splitlines()[-1]
