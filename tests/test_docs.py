"""The design is inside the repository: code, help texts and docs cite docs/design.md, never outside notes."""

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent


def text_files():
    for folder in ("exactid", "docs", "tests", "benchmarks", "examples"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".md", ".txt") and path.name != Path(__file__).name:
                yield path
    yield ROOT / "README.md"


def test_no_citation_of_notes_outside_the_repository():
    offenders = [f"{p.relative_to(ROOT)}:{i}" for p in text_files()
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if "DESIG" + "N" in line or "\u00a7" in line]
    assert not offenders, offenders


def test_design_document_has_the_cited_sections():
    design = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^## (\d+)\. ", design, re.MULTILINE))
    cited = set()
    for path in text_files():
        cited |= set(re.findall(r"design\.md, section (\d+)", path.read_text(encoding="utf-8")))
    assert cited and cited <= sections, cited - sections


def test_readme_layout_table_matches_the_tree():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| folder | layer |"):]
    table = table[:table.index("\n\n")]
    rows = [line.split("|")[1] for line in table.splitlines()[2:]]
    named = [p for row in rows for p in re.findall(r"`([^`]+)`", row)]
    for path in named:
        if "/" in path or path.endswith(".py"):
            candidates = [ROOT / path, ROOT / "exactid" / path]
            assert any(c.exists() for c in candidates), f"README layout names {path}, which does not exist"
    listed = {p.strip("/") for p in named}
    packages = {f"exactid/{p.name}" for p in (ROOT / "exactid").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages <= listed, packages - listed
