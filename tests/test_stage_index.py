"""The generated stage index (dataprep/stage_index.py) is what importing the stage modules
gives, laid out as dataprep.catalog writes it."""

from pathlib import Path

from dataprep import catalog, stage_index


def test_the_committed_index_is_what_importing_the_stage_modules_gives():
    differences = catalog.index_differences()
    assert differences == [], f"run `{catalog.WRITE_COMMAND}`: " + "; ".join(differences)
    assert catalog.builtin_entries() == stage_index.STAGES
    assert catalog.source_digests() == stage_index.SOURCES
    assert len(stage_index.STAGES) >= 28


def test_the_index_file_is_laid_out_as_the_generator_writes_it():
    text = catalog.index_text(stage_index.STAGES, stage_index.SOURCES)
    assert text == Path(stage_index.__file__).read_text()
