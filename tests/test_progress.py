from dataprep.progress import progress_bar


def test_items_pass_through_unchanged_when_disabled_or_not_a_terminal(capsys):
    assert list(progress_bar(iter([1, 2, 3]), "x", enabled=False)) == [1, 2, 3]
    # pytest's captured stderr is not a terminal, so no bar is drawn even when enabled
    assert list(progress_bar(iter("ab"), "x", enabled=True)) == ["a", "b"]
    assert capsys.readouterr().err == ""
