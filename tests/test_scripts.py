import numpy as np
import pyarrow as pa

from dataprep.scripts import (
    LETTER,
    OTHER,
    SPACE,
    UNSPACED_LETTER,
    script_table,
    unspaced_mask,
    unspaced_share,
    word_units,
)


def test_script_table_classes():
    table = script_table()
    expected = {
        "a": LETTER,
        "é": LETTER,
        "ж": LETTER,
        "한": LETTER,  # Hangul: Korean puts spaces between words
        "日": UNSPACED_LETTER,
        "の": UNSPACED_LETTER,
        "テ": UNSPACED_LETTER,
        "ｱ": UNSPACED_LETTER,  # halfwidth katakana
        "ー": UNSPACED_LETTER,
        "ก": UNSPACED_LETTER,  # Thai
        "ກ": UNSPACED_LETTER,  # Lao
        "ក": UNSPACED_LETTER,  # Khmer
        "က": UNSPACED_LETTER,  # Myanmar
        "ཀ": UNSPACED_LETTER,  # Tibetan
        "𠀀": UNSPACED_LETTER,  # CJK extension B
        "、": OTHER,
        "。": OTHER,
        "1": OTHER,
        "\u0e31": OTHER,  # a Thai vowel sign is a mark, not a letter
        " ": SPACE,
        "\u3000": SPACE,
        "\n": SPACE,
    }
    assert {c: int(table[ord(c)]) for c in expected} == expected


def test_unspaced_rule_is_thirty_percent_of_letters():
    texts = [
        "日本語のテキストです。",
        "東京都",  # 3 unspaced of 3 letters
        "東京都 abcdefg",  # 3 of 10: exactly 30%
        "東京都 abcdefgh",  # 3 of 11: below
        "Tokyo 東京 is a big city",
        "สวัสดีครับ ยินดีต้อนรับ",
        "한국어 문장입니다",
        "12345 。、！",  # no letter at all
        "",
        None,
    ]
    mask = unspaced_mask(pa.array(texts))
    assert mask.tolist() == [True, True, True, False, False, True, False, False, False, False]
    assert unspaced_share("東京都 abcdefg") == 0.3
    assert unspaced_share("Tokyo 東京 is a big city") == 2 / 17
    assert unspaced_share("") == 0.0


def test_mask_agrees_with_the_python_share_on_long_mixed_texts():
    rng = np.random.default_rng(0)
    pieces = ["the ", "cat ", "é", "1.5 ", "— ", "日本", "の", "中文", "文本 ", "ภาษา"]
    texts = []
    for _ in range(300):
        spaced = rng.uniform(0, 1)  # share of draws from the first five pieces
        weights = np.r_[np.full(5, spaced / 5), np.full(5, (1 - spaced) / 5)]
        texts.append("".join(rng.choice(pieces, size=rng.integers(1, 600), p=weights)))
    expected = [unspaced_share(t) >= 0.3 and unspaced_share(t) > 0 for t in texts]
    assert unspaced_mask(pa.array(texts)).tolist() == expected
    assert 50 < sum(expected) < 250


def test_word_units_count_unspaced_letters_and_other_tokens():
    texts = [
        "東京は日本の首都です。",  # 10 letters; the full stop is not one
        "Debian パッケージ 2.0 版",  # Debian, 5 kana, 2.0, 版
        "hello world  x",
        "　日本\u3000語 ",  # ideographic spaces are whitespace
        "สวัสดีครับ",  # Thai: 7 letters (three vowel and tone signs are marks)
        "",
        None,
    ]
    assert word_units(pa.array(texts)).tolist() == [10, 8, 3, 3, 7, 0, 0]
