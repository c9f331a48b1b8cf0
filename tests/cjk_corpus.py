"""Real Japanese and Chinese documents for the script-aware tests, and near copies of them.

Source, when present: Debian's translated package descriptions (DDTP), as apt keeps them after
``apt-get update -o Acquire::Languages=ja,zh_CN``:
/var/lib/apt/lists/*_i18n_Translation-ja.lz4 and *_Translation-zh%5fCN.lz4 (read with
``lz4cat``). Each long description is one document. Nothing is downloaded: without those
files (or ``lz4cat``) the documents are FALLBACK, a few paragraphs written for these tests.
"""

from __future__ import annotations

import glob
import random
import shutil
import subprocess

APT_LISTS = "/var/lib/apt/lists"
PATTERNS = {"ja": "*_i18n_Translation-ja.lz4", "zh": "*_i18n_Translation-zh%5fCN.lz4"}

# Written for these tests (plain descriptions of everyday topics), used without the apt lists.
FALLBACK = {
    "ja": [
        "東京は日本の首都であり、世界でも有数の大都市です。多くの企業の本社が集まり、"
        "鉄道や地下鉄の路線が網の目のように張り巡らされています。",
        "富士山は静岡県と山梨県にまたがる日本一高い山で、標高は三千七百七十六メートルです。"
        "夏の間は多くの登山者が山頂を目指します。",
        "このプログラムは画像ファイルを読み込み、大きさや色を変えて別の形式で保存します。"
        "コマンドラインから多数のファイルをまとめて処理できます。",
        "日本の四季ははっきりしていて、春には桜が咲き、秋には山々の木の葉が赤や黄色に"
        "色づきます。季節ごとの行事も多く残っています。",
        "図書館では本を借りるだけでなく、新聞や雑誌を読んだり、インターネットで調べ物を"
        "したりすることもできます。利用は無料です。",
        "このライブラリは圧縮されたデータを展開するための関数を提供します。"
        "ほかのプログラムから呼び出して使うことを想定しています。",
        "京都には古い寺や神社が数多く残り、毎年たくさんの観光客が訪れます。"
        "特に紅葉の季節には町全体がにぎわいます。",
        "駅前の商店街には八百屋や魚屋、本屋などが並び、夕方になると買い物をする人で"
        "混み合います。昔ながらの店も少なくありません。",
    ],
    "zh": [
        "北京是中国的首都，也是全国的政治和文化中心。城市里有许多历史悠久的建筑，"
        "每年吸引大量游客前来参观。故宫和长城是最有名的景点。",
        "这个软件包提供了一个简单易用的文本编辑器，支持语法高亮、自动缩进和多种编码，"
        "适合编写程序和配置文件。它的界面简洁，启动速度也很快。",
        "长江是中国最长的河流，全长六千三百多公里，流经多个省份，最后注入东海。"
        "沿岸有许多重要的城市，例如重庆、武汉和南京。",
        "图书馆每天早上八点开门，晚上十点关门。读者可以在阅览室安静地看书，也可以借阅书籍带回家。借书的期限一般是一个月。",
        "这个程序可以把音频文件转换成不同的格式，并且能够批量处理整个目录中的文件，节省大量时间。它还可以调整音量和采样率。",
        "春天到了，公园里的花都开了，很多人带着孩子出来散步，老人们在树下下棋聊天。"
        "湖边的柳树也长出了新的叶子，到处都是一片绿色。",
        "该库实现了常见的数据压缩算法，提供了读取和写入压缩文件的接口，可以被其他程序调用。"
        "它的速度很快，占用的内存也比较少。",
        "上海是中国最大的经济中心之一，港口吞吐量位居世界前列，金融和贸易十分发达。"
        "外滩和东方明珠是许多游客必去的地方，夜景非常漂亮。",
    ],
}


def _apt_documents(lang: str) -> list[str]:
    paths = sorted(glob.glob(f"{APT_LISTS}/{PATTERNS[lang]}"))
    if not paths or shutil.which("lz4cat") is None:
        return []
    text = subprocess.run(["lz4cat", paths[0]], capture_output=True, check=True, text=True).stdout
    documents = []
    for record in text.split("\n\n"):
        lines = record.split("\n")
        body = [line[1:] for line in lines if line.startswith(" ") and line.strip() != "."]
        if body:
            documents.append("".join(body) if lang in ("ja", "zh") else " ".join(body))
    return documents


def cjk_documents(lang: str, n: int, *, min_chars: int = 100, seed: int = 0) -> list[str]:
    """Up to ``n`` distinct documents of ``lang`` ('ja' or 'zh') with at least ``min_chars``
    characters, in a seeded random order: Debian's descriptions when present, else FALLBACK."""
    documents = [d for d in dict.fromkeys(_apt_documents(lang)) if len(d) >= min_chars]
    if not documents:
        return FALLBACK[lang][:n]
    random.Random(seed).shuffle(documents)
    return documents[:n]


def edit_chars(text: str, rate: float, rng: random.Random, alphabet: str) -> str:
    """``text`` with round(rate * len(text)) (at least 1) random character edits: each a
    substitution, insertion or deletion (equally likely) at a random position, new characters
    drawn from ``alphabet``."""
    chars = list(text)
    for _ in range(max(1, round(rate * len(text)))):
        kind = rng.randrange(3)
        position = rng.randrange(len(chars))
        if kind == 0:
            chars[position] = rng.choice(alphabet)
        elif kind == 1:
            chars.insert(position, rng.choice(alphabet))
        elif len(chars) > 1:
            del chars[position]
    return "".join(chars)
