"""A real spreadsheet opens the hostile CSV golden file split on ``,``, ``;`` or tab, with
formulas evaluated, and no cell is a formula (LibreOffice Calc, headless; Debian's
libreoffice-calc-nogui). A control file proves that this import does evaluate formulas."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

GOLDEN_CSV = Path(__file__).parent / "golden" / "exports.csv"
SOFFICE = shutil.which("soffice")
# LibreOffice's CSV filter tokens: separator, text delimiter ("), UTF-8 (76), from line 1,
# ..., token 13 = evaluate formulas.
SEPARATORS = {",": 44, ";": 59, "\t": 9}


@pytest.fixture(scope="module")
def soffice() -> str:
    if SOFFICE is None:
        if os.environ.get("CI") == "true":
            pytest.fail("soffice is missing; CI=true, where this test must run", pytrace=False)
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    return SOFFICE


def open_in_calc(soffice: str, csv_file: Path, separator: str, work: Path) -> list:
    options = f"CSV:{SEPARATORS[separator]},34,76,1,,0,false,true,false,false,false,-1,true"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{work / 'profile'}",
            "--headless",
            f"--infilter={options}",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(work),
            str(csv_file),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    book = openpyxl.load_workbook(work / (csv_file.stem + ".xlsx"))
    return [cell for row in book.active.iter_rows() for cell in row if cell.value is not None]


@pytest.mark.parametrize("separator", list(SEPARATORS), ids=["comma", "semicolon", "tab"])
def test_no_cell_of_the_hostile_csv_is_a_formula(soffice, tmp_path, separator):
    cells = open_in_calc(soffice, GOLDEN_CSV, separator, tmp_path)
    assert len(cells) > 20
    formulas = [(cell.coordinate, cell.value) for cell in cells if cell.data_type == "f"]
    assert formulas == []


@pytest.mark.parametrize("separator", [",", ";"], ids=["comma", "semicolon"])
def test_the_control_file_does_evaluate_formulas(soffice, tmp_path, separator):
    control = tmp_path / "control.csv"
    control.write_text('a,b\n"x;=1+1",=2+2\n', encoding="utf-8")
    cells = open_in_calc(soffice, control, separator, tmp_path)
    assert any(cell.data_type == "f" for cell in cells)
