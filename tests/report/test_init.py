"""write_report and the `dataprep report` command."""

import pytest
from click.testing import CliRunner

from dataprep.cli import main
from dataprep.errors import OutputError
from dataprep.report import write_report


def test_write_report_defaults_to_out_report_html(report_outputs, tmp_path):
    path = write_report(report_outputs["score"], tmp_path / "r.html")
    assert path == tmp_path / "r.html"
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not list(tmp_path.glob(".*.tmp"))
    with pytest.raises(OutputError, match="cannot be written"):
        write_report(report_outputs["score"], tmp_path / "missing" / "r.html")


@pytest.mark.parametrize("kind", ["filter", "schedule"])
def test_cli_writes_the_page_into_the_output_folder(report_outputs, kind):
    result = CliRunner().invoke(main, ["report", str(report_outputs[kind])])
    assert result.exit_code == 0, result.output
    path = report_outputs[kind] / "report.html"
    assert result.output.startswith(f"wrote {path} (")
    assert f'data-kind="{kind}"' in path.read_text(encoding="utf-8")


def test_cli_with_output_option(report_outputs, tmp_path):
    target = tmp_path / "page.html"
    result = CliRunner().invoke(main, ["report", str(report_outputs["score"]), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.is_file()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "nope", "nope: no such directory"),
        (lambda tmp: tmp, "no manifest.json; not an output folder of dataprep filter"),
    ],
)
def test_cli_user_errors_are_one_line(tmp_path, make, message):
    result = CliRunner().invoke(main, ["report", str(make(tmp_path))])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and message in result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
