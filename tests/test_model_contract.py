"""Every model kind of KINDS through the same checks, in the spirit of scikit-learn's
check_estimator (issue #25): a store without the kind's data gives NotEnoughData with a one-line
reason, in Python and on the command line (exit 1, one sentence, no traceback); nothing is registered."""
import pytest

from engine.__main__ import main
from engine.models.kinds import KINDS, trainer
from engine.models.registry import NotEnoughData
from engine.store.db import Store


@pytest.mark.parametrize("kind", list(KINDS))
def test_an_empty_store_says_what_is_missing_in_one_line(kind, tmp_path):
    store = Store(tmp_path / "empty.duckdb")
    try:
        with pytest.raises(NotEnoughData) as err:
            trainer(kind).train(store, quick=True)
        assert str(err.value) and "\n" not in str(err.value)
        assert store.query("SELECT count(*) AS n FROM models")["n"].iloc[0] == 0    # nothing registered
    finally:
        store.close()


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_cli_exits_1_with_a_sentence_on_an_empty_store(kind, tmp_path, capsys):
    assert main(["train", kind, "--quick", "--db", str(tmp_path / "empty.duckdb")]) == 1
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if line.startswith(f"train {kind}: ")] == \
        [err.strip().splitlines()[-1]], err          # one sentence, the last line, no traceback
