"""The page: sections with stable ids, exact numbers in the tables, escaping, embedded images,
and no reference to anything outside the file."""

import base64
import re
from html.parser import HTMLParser

import pytest

from dataprep.report.collect import collect
from dataprep.report.html import esc, fmt, render, table

SCRIPT_TEXT = "<script>alert('x')</script> five words of body text here"  # as in conftest.py
N = '<td class="n">{}</td>'.format

SECTIONS = {
    "filter": ["summary", "reasons", "scores", "duplicates", "manifest"],
    "score": ["summary", "reasons", "scores", "manifest"],
    "schedule": ["summary", "reasons", "scores", "schedule", "manifest"],
}


class Page(HTMLParser):
    """Collects section ids, <img> attributes, every URL-bearing attribute and script count."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.images: list[dict] = []
        self.urls: list[str] = []
        self.scripts = 0
        self.body: dict = {}
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.sections.append(attrs.get("id"))
        if tag == "img":
            self.images.append(attrs)
        if tag == "script":
            self.scripts += 1
            assert "src" not in attrs
        if tag == "body":
            self.body = attrs
        for name in ("src", "href", "action", "poster", "srcset", "data", "background"):
            if name in attrs:
                self.urls.append(attrs[name])


@pytest.fixture(scope="module")
def pages(report_outputs):
    return {kind: render(collect(out, bins=4)) for kind, out in report_outputs.items()}


@pytest.mark.parametrize("kind", ["filter", "score", "schedule"])
def test_each_kind_has_its_sections_in_order(pages, kind):
    page = Page(pages[kind])
    assert page.sections == SECTIONS[kind]
    assert page.body["data-kind"] == kind


@pytest.mark.parametrize("kind", ["filter", "score", "schedule"])
def test_every_image_is_an_embedded_png_with_alt_text(pages, kind):
    page = Page(pages[kind])
    assert page.images and int(page.body["data-images-total"]) == len(page.images)
    for image in page.images:
        assert image["alt"]
        prefix = "data:image/png;base64,"
        assert image["src"].startswith(prefix)
        assert base64.b64decode(image["src"][len(prefix) :]).startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize("kind", ["filter", "score", "schedule"])
def test_nothing_outside_the_file_is_referenced(pages, kind):
    text = pages[kind]
    page = Page(text)
    for url in page.urls:
        assert url.startswith(("data:image/png;base64,", "#")), url
    assert page.scripts == 1
    assert not re.search(r"url\(|@import|<link|<iframe|<object|<embed", text, re.I)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.I)


def test_filter_page_tables_hold_the_exact_counts(pages):
    text = pages["filter"]
    n = '<td class="n">{}</td>'.format
    assert "<b>10</b>rows in" in text and "<b>5</b>rows kept" in text
    assert "<b>5</b>rows rejected" in text and "<b>50.0%</b>rejected share" in text
    assert f"<td>length_filter</td><td>filter</td>{n(10)}{n(2)}{n(8)}<td>20.0%</td>" in text
    assert f"<td>exact_dedup</td><td>selector</td>{n(8)}{n(3)}{n(5)}<td>37.5%</td>" in text
    assert f"<td>length_filter</td><td>length_below_min_words</td>{n(2)}<td>20.0%</td>" in text
    assert f"<td>exact_dedup</td><td>exact_duplicate</td>{n(3)}<td>37.5%</td>" in text
    # column, kept, rejected, missing, min, mean, median (stats.json), max
    row = f"<td>dp_score_length</td>{n(5)}{n(5)}{n(0)}{n(1)}{n(6.6)}{n(7)}{n(13)}"
    assert row in text
    assert "2 duplicate clusters hold 5 rows" in text
    assert f"<tr>{n(2)}{n(1)}</tr>" in text and f"<tr>{n(3)}{n(1)}</tr>" in text
    assert "<h3>Cluster 2: 3 rows</h3>" in text and "<h3>Cluster 4: 2 rows</h3>" in text
    assert "<td>exact_dedup: exact_duplicate</td>" in text


def test_each_reason_shows_its_first_rejected_rows_escaped(pages):
    text = pages["filter"]
    example = '<div class="ex"><code>{}</code> {}</div>'.format
    length = example("b", "short") + example("f", "tiny")
    assert f'<td>length_below_min_words</td>{N(2)}<td>20.0%</td><td class="text">{length}</td>' in (
        text
    )
    copies = (
        example("d", "the same text repeated in three rows")
        + example("g", "THE SAME TEXT repeated in three rows")
        + example("&lt;b&gt;h&lt;/b&gt;", esc(SCRIPT_TEXT))
    )
    assert f'<td>exact_duplicate</td>{N(3)}<td>37.5%</td><td class="text">{copies}</td>' in text


def test_the_page_and_its_plots_take_the_full_width(pages):
    css = re.search(r"<style>(.*?)</style>", pages["filter"], re.S).group(1)
    main = re.search(r"(?:^|[}\s])main\{([^}]*)\}", css).group(1)
    assert "max-width" not in main
    assert re.search(r"(?:^|[}\s])img\{([^}]*;)?width:100%", css)
    assert '<table class="wide"><thead><tr><th>stage</th><th>reason</th>' in pages["filter"]


def test_user_strings_are_escaped(pages):
    text = pages["filter"]
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in text
    assert "<td>&lt;b&gt;h&lt;/b&gt;</td>" in text
    assert text.count("<script") == 1


def test_score_page_has_no_rejections_and_no_duplicates(pages):
    text = pages["score"]
    assert "No row was rejected." in text
    assert 'id="duplicates"' not in text and 'id="schedule"' not in text
    n = '<td class="n">{}</td>'.format
    assert f"<td>dp_score_length</td>{n(10)}{n(0)}{n(0)}{n(1)}{n(6.6)}{n(7)}{n(13)}" in text


def test_schedule_page_shows_the_plan(pages):
    text = pages["schedule"]
    n = '<td class="n">{}</td>'.format
    assert "<b>20</b>samples (OUT/data rows)" in text and "<b>10</b>steps" in text
    plan = f"<td>linear</td><td>dp_score_length</td><td>ascending</td>{n(10)}{n(20)}{n(10)}"
    assert plan + f"{n(2)}{n(5)}{n(5)}" in text
    assert f"<tr>{n(4)}{n(0.802)}{n(8)}</tr>" in text  # a phase
    assert f"<tr>{n(7)}{n(6)}{n(7)}{n(7)}</tr>" in text  # bucket 7
    # served counts (draw: uniform): the two easiest rows (a tie) fill steps 0-3 and appear once
    # in the shuffled epoch of steps 5-9, so 5 times each
    assert f"<tr>{n(0)}{n(4)}{n(5)}{n(2)}</tr>" in text
    assert f"<tr><td>5</td>{n(2)}</tr>" in text
    assert "Counts are the plan's samples" in text
    assert "Difficulty-bucket" not in text  # the title is in the PNG, not the HTML
    assert 'alt="Share of each difficulty bucket versus step (stacked)"' in text


def test_manifest_section_lists_inputs_and_the_json(pages, report_outputs):
    text = pages["filter"]
    assert esc(str(report_outputs["filter"].parent / "in.parquet")) in text
    assert "&quot;dataprep_version&quot;" in text


def test_formatting_helpers():
    assert fmt(1278) == "1,278" and fmt(0.12345) == "0.1235" and fmt(None) == "-"
    assert fmt(True) == "True" and fmt("<a>") == "&lt;a&gt;"
    html = table(["a<b"], [[("text", "x\ny<")], [3], [("examples", [("<i>", "t&"), ("2", "u")])]])
    assert "<th>a&lt;b</th>" in html and '<td class="text">x\ny&lt;</td>' in html
    assert '<td class="n">3</td>' in html and html.startswith("<table>")
    examples = '<div class="ex"><code>&lt;i&gt;</code> t&amp;</div><div class="ex"><code>2</code> u'
    assert f'<td class="text">{examples}</div></td>' in html
    assert table(["a"], [], wide=True).startswith('<table class="wide">')


def test_semantic_duplicates_are_counted_and_shown(tmp_path):
    """exact_dedup finds nothing, semantic_dedup two groups of 2: the section shows them."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dataprep.dedup.exact import ExactDedup
    from dataprep.dedup.semantic import SemanticDedup
    from dataprep.embed.settings import EncoderSettings
    from dataprep.pipeline import Pipeline
    from dataprep.report.html import duplicates_section

    # (plane, degrees): rows 0 and 3 are within 8 degrees of rows 2 and 5, the rows kept
    angles = [("xy", 0), ("xy", -7), ("xy", 5), ("zy", 2), ("zy", 11), ("zy", 0)]
    radians = [np.radians(a) for _, a in angles]
    vectors = [
        [np.cos(a), np.sin(a), 0.0] if plane == "xy" else [0.0, np.sin(a), np.cos(a)]
        for (plane, _), a in zip(angles, radians, strict=True)
    ]
    table = pa.table(
        {
            "id": [f"r{i}" for i in range(6)],
            "text": [f"text number {i}" for i in range(6)],
            "vec": vectors,
        }
    )
    pq.write_table(table, tmp_path / "in.parquet")
    stages = [ExactDedup(), SemanticDedup(eps=1 - np.cos(np.radians(8)), num_clusters=2)]
    encoder = EncoderSettings(column="vec")
    Pipeline(stages, encoder=encoder).run([str(tmp_path / "in.parquet")], tmp_path / "out")

    dups = collect(tmp_path / "out").duplicates
    assert (dups.clusters, dups.rows, dups.size_counts) == (2, 4, {2: 2})
    assert [(c.cluster, [(m.id, m.status) for m in c.members]) for c in dups.examples] == [
        (2, [("r2", "kept"), ("r0", "semantic_dedup: semantic_duplicate")]),
        (5, [("r5", "kept"), ("r3", "semantic_dedup: semantic_duplicate")]),
    ]
    html = duplicates_section(collect(tmp_path / "out"))
    assert "No row is in a duplicate cluster" not in html
    assert "2 duplicate clusters hold 4 rows" in html
